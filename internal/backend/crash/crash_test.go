package crash

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// helperEngine is an engine with no containers of its own: it runs helper
// containers, each exiting with exit, and keeps what was asked of it.
type helperEngine struct {
	local bool
	exit  int

	mu      sync.Mutex
	created []engine.ContainerSpec
	removed []string
	images  map[string][]string // entrypoints, by reference
}

func (e *helperEngine) ContainerInspect(_ context.Context, ref string) (engine.Container, error) {
	return engine.Container{ID: ref, Name: ref, Status: "exited", ExitCode: e.exit}, nil
}

func (e *helperEngine) ContainerCreate(_ context.Context, spec engine.ContainerSpec) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.created = append(e.created, spec)
	return spec.Name, nil
}

func (e *helperEngine) ContainerStart(context.Context, string) error { return nil }

func (e *helperEngine) ContainerRemove(_ context.Context, ref string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.removed = append(e.removed, ref)
	return nil
}

func (e *helperEngine) ContainerLogs(_ context.Context, _ string, _ engine.LogsOptions, stdout, _ io.Writer) error {
	_, err := io.WriteString(stdout, "signal-pid: no such process\n")
	return err
}

func (e *helperEngine) ImageInspect(_ context.Context, ref string) (engine.Image, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.images[ref]; ok {
		return engine.Image{ID: ref}, nil
	}
	return engine.Image{}, engine.ErrNotFound
}

func (e *helperEngine) ImageCreate(_ context.Context, ref string, _ []engine.ImageFile, _ map[string]string, entrypoint []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.images == nil {
		e.images = map[string][]string{}
	}
	e.images[ref] = entrypoint
	return nil
}

func (e *helperEngine) IsLocal() bool { return e.local }

func (e *helperEngine) Platform(context.Context) (string, error) {
	return "linux/" + runtime.GOARCH, nil
}

// signalled records the PIDs a Killer signals directly, signalling none.
func signalled(k *Killer) *[]int {
	var pids []int
	k.signal = func(pid int, _ syscall.Signal) error {
		pids = append(pids, pid)
		return nil
	}
	return &pids
}

// A local engine's PID that is not in the container's cgroup (here: a
// process of this machine that is no container's) is never signalled
// directly: the helper on the engine kills it, seen from the engine host.
func TestKillSignalsDirectlyOnlyAPidOfTheContainer(t *testing.T) {
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })

	eng := &helperEngine{local: true}
	k := New(nil, WithHelperBinary(stacktest.StaticStackctl(t)))
	k.poll = time.Millisecond
	pids := signalled(k)
	c := engine.Container{ID: strings.Repeat("ab", 32), Name: "p-db-1", Pid: sleeper.Process.Pid, Status: "running"}
	method, err := k.Kill(context.Background(), eng, c, map[string]string{stack.LabelProject: "p"})
	if err != nil {
		t.Fatalf("kill: %v", err)
	}
	if len(*pids) != 0 {
		t.Errorf("signalled host PIDs %v directly, though none is in the container's cgroup", *pids)
	}
	if !strings.HasSuffix(method, "from a helper container") || len(eng.created) != 1 {
		t.Fatalf("method %q, %d helpers created; want the helper", method, len(eng.created))
	}
	h := eng.created[0]
	if h.Labels[stack.LabelProject] != "p" || h.Labels[stack.LabelService] != HelperService || h.PidMode != "host" || h.User != "0:0" {
		t.Errorf("helper %+v: want the project's, labelled %s, root in the host's PID namespace", h, HelperService)
	}
	if len(eng.removed) != 1 || eng.removed[0] != h.Name {
		t.Errorf("removed %v, want the helper %s", eng.removed, h.Name)
	}
}

// A helper that exits non-zero fails the kill with what it said.
func TestKillSaysWhatTheHelperSaid(t *testing.T) {
	eng := &helperEngine{exit: 1}
	k := New(nil, WithHelperBinary(stacktest.StaticStackctl(t)))
	k.poll = time.Millisecond
	_, err := k.Kill(context.Background(), eng, engine.Container{ID: "c", Name: "p-db-1", Pid: 4242, Status: "running"}, nil)
	want := "crash container p-db-1: helper p-db-1-crasher exited 1: signal-pid: no such process"
	if err == nil || err.Error() != want {
		t.Fatalf("kill with a failing helper: %v, want %q", err, want)
	}
}

// The helper image holds just the binary, which must run alone.
func TestHelperRefusesADynamicBinary(t *testing.T) {
	// Debian's sleep is linked dynamically, as most system binaries are.
	bin, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("find a dynamically linked binary to offer as the helper: %v", err)
	}
	k := New(nil, WithHelperBinary(bin))
	_, err = k.Kill(context.Background(), &helperEngine{}, engine.Container{ID: "c", Name: "c", Pid: 4242}, nil)
	if err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("kill with helper %s: %v, want it refused as linked dynamically", bin, err)
	}
}

// Milestones are timed from the kill, in the order they are marked; a
// wait's deadline says how long it waited, and what it last saw.
func TestTimelineMarksInOrderAndSaysWhyAWaitEnded(t *testing.T) {
	report := backend.CrashReport{Service: "db"}
	tl := Begin(&report, "task p_db.1", nil)
	tl.Killed("SIGKILL to host PID 1")
	tl.Mark("task failed (SIGKILL, exit 137)")
	time.Sleep(time.Millisecond)
	tl.Mark("healthy")
	if report.Method != "SIGKILL to host PID 1" || len(report.Timeline) != 2 || report.Timeline[1].After <= report.Timeline[0].After {
		t.Errorf("report %+v: want the method and two milestones, later after earlier", report)
	}
	_, cancel := tl.Watch(context.Background(), time.Minute)
	defer cancel()
	if err := tl.WaitError("healthy", context.DeadlineExceeded); err.Error() != "service db: not healthy within 1m0s after the crash" {
		t.Errorf("bare deadline: %v", err)
	}
	detailed := tl.WaitError("serving", errors.Join(context.DeadlineExceeded, errors.New("exit 1: db down")))
	if !strings.HasSuffix(detailed.Error(), "exit 1: db down") || !errors.Is(detailed, context.DeadlineExceeded) {
		t.Errorf("deadline with detail: %v", detailed)
	}
	other := errors.New("boom")
	if err := tl.WaitError("healthy", other); err != other {
		t.Errorf("other error: %v, want it as it is", err)
	}
}

// A dependent is waited for only with a readiness probe to run.
func TestServingDependentsHaveAReadinessProbe(t *testing.T) {
	st := &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "db"},
		{Name: "web", DependsOn: []stack.Dependency{{Service: "db"}}, Readiness: []string{"CMD", "true"}},
		{Name: "worker", DependsOn: []stack.Dependency{{Service: "db"}}},
		{Name: "cache"},
	}}
	got := ServingDependents(st, "db")
	if len(got) != 1 || got[0].Name != "web" {
		t.Errorf("serving dependents of db: %v, want web alone", got)
	}
}
