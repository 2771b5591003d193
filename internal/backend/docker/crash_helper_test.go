package docker

import (
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// crashHelper makes the fake engine run crash helpers as the real one
// does. A helper from an image whose entrypoint is `/stackctl signal-pid`,
// given a PID, run as root in the host's PID namespace, kills the container
// whose main process is that PID (exit 137), and that container's restart
// policy starts it again at once, with a new PID. Any other helper (another
// image, user, PID namespace or command, or a PID that is not there) kills
// nothing and exits 1. Crash removes every helper afterwards.
func crashHelper(f *fakeEngine) func(*engine.Container) {
	return func(h *engine.Container) {
		spec := f.containers[h.Name].spec // ContainerStart holds f.mu
		image := f.made[spec.Image]
		pid, err := strconv.Atoi(strings.Join(spec.Cmd, " "))
		if !slices.Equal(image.entrypoint, []string{crash.HelperBinaryPath, crash.SignalPidCommand}) ||
			spec.User != "0:0" || spec.PidMode != "host" || err != nil {
			exitWith(1)(h)
			return
		}
		for _, c := range f.containers {
			if c.Running() && c.Pid == pid && c.Name != h.Name {
				f.record("exit %s 137", c.Name)
				c.FinishedAt, c.StartedAt = time.Now(), time.Now()
				c.RestartCount++
				c.Pid = pid + 1
				exitWith(0)(h)
				return
			}
		}
		exitWith(1)(h)
	}
}

// crashStack is one redis server, for a crash to crash.
func crashStack() *stack.Stack {
	return &stack.Stack{Project: "p", Services: []stack.Service{{
		Name: "server", Image: "redis:7", Command: []string{"redis-server"},
		Restart: stack.RestartPolicy{Name: "always"}, Replicas: 1,
	}}}
}

// checkHelpers checks the helpers created to crash target: one, from an
// image of just the stackctl binary whose entrypoint is its signal-pid
// command, given pid and run as root in the host's PID namespace, labelled
// with the project, and not left behind.
func checkHelpers(t *testing.T, f *fakeEngine, st *stack.Stack, target, bin string, pid int) {
	t.Helper()
	helpers := f.createdAs(target + "-crasher")
	if len(helpers) != 1 {
		t.Fatalf("%d helpers were created to crash %s, want 1", len(helpers), target)
	}
	h := helpers[0]
	if want := []string{strconv.Itoa(pid)}; !slices.Equal(h.Cmd, want) {
		t.Errorf("helper runs %q, want %q", h.Cmd, want)
	}
	if h.PidMode != "host" {
		t.Errorf("helper has PID mode %q, want host: in its own PID namespace host PID %d is not there", h.PidMode, pid)
	}
	if h.User != "0:0" {
		t.Errorf("helper runs as user %q, want 0:0: only root may signal another user's process", h.User)
	}
	if h.Labels[stack.LabelProject] != st.ProjectName() || h.Labels[stack.LabelService] != "crash-helper" {
		t.Errorf("helper has labels %v, want the project's and service crash-helper", h.Labels)
	}
	image, ok := f.made[h.Image]
	if !ok || !strings.HasPrefix(h.Image, crash.HelperRepo+":") {
		t.Fatalf("helper runs image %q, want one stackctl made of itself (%s:...)", h.Image, crash.HelperRepo)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if len(image.files) != 1 || "/"+image.files[0].Path != crash.HelperBinaryPath || image.files[0].Mode != 0o755 || !bytes.Equal(image.files[0].Data, data) {
		t.Errorf("helper image %s holds %d files (first %q); want just the stackctl binary %s at %s, mode 0755", h.Image, len(image.files), firstPath(image.files), bin, crash.HelperBinaryPath)
	}
	if want := []string{crash.HelperBinaryPath, crash.SignalPidCommand}; !slices.Equal(image.entrypoint, want) {
		t.Errorf("helper image %s runs %q, want %q", h.Image, image.entrypoint, want)
	}
	if f.exists(target + "-crasher") {
		t.Errorf("helper %s-crasher is still on the engine", target)
	}
}

func firstPath(files []engine.ImageFile) string {
	if len(files) == 0 {
		return ""
	}
	return files[0].Path
}

// TestCrashOnARemoteEngineKillsFromAHelper: a remote engine's host PIDs are
// not this machine's, so Crash kills from a helper container in the host's
// PID namespace, which runs stackctl itself.
func TestCrashOnARemoteEngineKillsFromAHelper(t *testing.T) {
	f := newFakeEngine()
	bin := stacktest.StaticStackctl(t)
	o := newTestOrchestrator(f, WithCrashHelper(bin))
	st := crashStack()
	mustUp(t, o, st)
	svc, _ := st.Service("server")
	name := st.ContainerName(svc, 1)
	f.set(name, func(c *engine.Container) { c.Pid = 4242 })
	f.onStart[name+"-crasher"] = crashHelper(f)

	report, err := o.Crash(testContext(t), st, backend.CrashOptions{Service: "server", WaitTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("crash: %v", err)
	}
	if want := "SIGKILL to host PID 4242 from a helper container"; report.Method != want {
		t.Errorf("crash method %q, want %q", report.Method, want)
	}
	checkHelpers(t, f, st, name, bin, 4242)
	if len(report.Timeline) != 2 || report.Timeline[0].What != "crashed (SIGKILL, exit 137)" ||
		report.Timeline[1].What != `restarted by policy "always" (restart #1)` {
		t.Errorf("timeline %+v, want crashed, then restarted #1", report.Timeline)
	}
	assertNever(t, f.Events(), "kill ")
}

// TestCrashOnARemoteEngineSaysWhatTheHelperSaid: a helper that cannot kill
// fails Crash with its exit code and its last log lines, removed all the
// same, and the container is left running.
func TestCrashOnARemoteEngineSaysWhatTheHelperSaid(t *testing.T) {
	f := newFakeEngine()
	bin := stacktest.StaticStackctl(t)
	o := newTestOrchestrator(f, WithCrashHelper(bin))
	st := crashStack()
	mustUp(t, o, st)
	svc, _ := st.Service("server")
	name := st.ContainerName(svc, 1)
	f.set(name, func(c *engine.Container) { c.Pid = 4242 })
	// The process is gone by the time the helper looks for it.
	f.onStart[name+"-crasher"] = func(h *engine.Container) {
		f.containers[name].Pid = 4343
		crashHelper(f)(h)
	}
	f.logs[name+"-crasher"] = []string{"signal-pid: kill 4242: no such process"}

	_, err := o.Crash(testContext(t), st, backend.CrashOptions{Service: "server", WaitTimeout: 5 * time.Second})
	want := "crash container " + name + ": helper " + name + "-crasher exited 1: signal-pid: kill 4242: no such process"
	if err == nil || err.Error() != want {
		t.Fatalf("crash with a helper that cannot kill: error %v, want %q", err, want)
	}
	checkHelpers(t, f, st, name, bin, 4242)
	c, _ := f.ContainerInspect(testContext(t), name)
	if !c.Running() || c.RestartCount != 0 {
		t.Errorf("after the failed crash %s is %s, restart count %d; want it untouched", name, c.Status, c.RestartCount)
	}
}
