package docker

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

var oneOffName = regexp.MustCompile(`^stackctl-web-run-[0-9a-f]{6}$`)

// mustRun runs a one-off and fails the test if Run fails.
func mustRun(t *testing.T, o *orchestrator.Orchestrator, st *stack.Stack, opts backend.RunOptions) backend.RunResult {
	t.Helper()
	res, err := o.Run(testContext(t), st, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// specOf is the spec the fake engine created a container with.
func (f *fakeEngine) specOf(t *testing.T, name string) engine.ContainerSpec {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[name]
	if !ok {
		t.Fatalf("no container %s", name)
	}
	return c.spec
}

func TestRunUnknownServiceListsTheServices(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	_, err := o.Run(testContext(t), st, backend.RunOptions{Service: "nope"})
	if !errors.Is(err, backend.ErrUnknownService) || !strings.Contains(err.Error(), "cache, ") {
		t.Fatalf("error = %v, want backend.ErrUnknownService listing the services", err)
	}
	if len(f.Events()) != 0 {
		t.Errorf("Run of an unknown service did something: %v", f.Events())
	}
}

// web depends on db (healthy), cache (started) and migrate (completed):
// all of them run before the one-off starts; web's own replica is not made.
func TestRunStartsTheDependenciesFirst(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	res := mustRun(t, o, st, backend.RunOptions{Service: "web", Cmd: []string{"app", "migrate"}})
	if !oneOffName.MatchString(res.Container) {
		t.Errorf("one-off named %q, want stackctl-web-run-<6 hex>", res.Container)
	}
	events := f.Events()
	for _, dep := range []string{"stackctl-db-1", "stackctl-cache-1", "stackctl-migrate-1"} {
		assertBefore(t, events, "start "+dep, "run "+res.Container)
	}
	assertBefore(t, events, "exec stackctl-db-1 ok", "run "+res.Container)
	assertBefore(t, events, "exit stackctl-migrate-1 0", "run "+res.Container)
	assertNever(t, events, "create stackctl-web-1", "create stackctl-web-edge")
}

func TestRunNoDepsStartsNothingElse(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	res := mustRun(t, o, st, backend.RunOptions{Service: "web", NoDeps: true, Cmd: []string{"true"}})
	assertNever(t, f.Events(), "start ", "create stackctl-db", "create stackctl-cache", "create stackctl-migrate")
	// Its network is made all the same.
	assertBefore(t, f.Events(), "create network stackctl_app-network", "create "+res.Container)
}

func TestRunPassesTheExitCodeOn(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	var out bytes.Buffer
	res := mustRun(t, o, st, backend.RunOptions{Service: "cache", NoDeps: true, Cmd: []string{"sh", "-c", "exit 3"}, Stdio: engine.Stdio{Out: &out}})
	if res.ExitCode != 3 {
		t.Errorf("exit code = %d, want 3", res.ExitCode)
	}
	if !strings.HasSuffix(out.String(), ": sh -c exit 3\n") {
		t.Errorf("output = %q, want the command's", out.String())
	}
	// Without --rm the one-off stays, exited.
	c, err := f.ContainerInspect(testContext(t), res.Container)
	if err != nil || c.Status != "exited" || c.ExitCode != 3 {
		t.Errorf("one-off after the run: %+v, %v; want it exited 3", c, err)
	}
}

func TestRunRemoveLeavesNothing(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	res := mustRun(t, o, st, backend.RunOptions{Service: "cache", NoDeps: true, Remove: true, Cmd: []string{"sh", "-c", "exit 1"}})
	if res.ExitCode != 1 {
		t.Errorf("exit code = %d, want 1", res.ExitCode)
	}
	assertBefore(t, f.Events(), "run "+res.Container, "remove "+res.Container)
	if f.exists(res.Container) {
		t.Errorf("--rm left %s", res.Container)
	}
}

// The one-off has the service's settings but publishes none of its ports,
// has no restart policy, carries the one-off label and none of a replica's,
// and joins the networks without the service's aliases unless asked.
func TestRunContainerSpec(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	web, _ := st.Service("web")
	res := mustRun(t, o, st, backend.RunOptions{
		Service: "web", NoDeps: true, Cmd: []string{"env"}, Entrypoint: []string{"/bin/sh", "-c"},
		Env: []string{"REDIS_HOST=elsewhere", "EXTRA=1"}, User: "0:0", WorkingDir: "/tmp",
	})
	spec := f.specOf(t, res.Container)
	if len(spec.Ports) != 0 || spec.Restart.Name != "" {
		t.Errorf("ports %+v, restart %+v; want none", spec.Ports, spec.Restart)
	}
	if spec.Image != web.Image || !slices.Equal(spec.Cmd, []string{"env"}) || !slices.Equal(spec.Entrypoint, []string{"/bin/sh", "-c"}) ||
		spec.User != "0:0" || spec.WorkingDir != "/tmp" {
		t.Errorf("image %s, entrypoint %q, cmd %q, user %q, workdir %q", spec.Image, spec.Entrypoint, spec.Cmd, spec.User, spec.WorkingDir)
	}
	want := map[string]string{stack.LabelProject: "stackctl", stack.LabelService: "web", stack.LabelOneOff: "true"}
	for k, v := range want {
		if spec.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, spec.Labels[k], v)
		}
	}
	for _, k := range []string{stack.LabelReplica, stack.LabelConfigHash} {
		if _, ok := spec.Labels[k]; ok {
			t.Errorf("one-off carries replica label %s", k)
		}
	}
	if !slices.Contains(spec.Env, "REDIS_HOST=elsewhere") || !slices.Contains(spec.Env, "EXTRA=1") {
		t.Errorf("env %q lacks the overrides", spec.Env)
	}
	for _, kv := range spec.Env {
		if strings.HasPrefix(kv, "REDIS_HOST=") && kv != "REDIS_HOST=elsewhere" {
			t.Errorf("env keeps the service's %s next to the override", kv)
		}
	}
	if len(spec.Networks) != 1 || spec.Networks[0].Network != "stackctl_app-network" || !slices.Equal(spec.Networks[0].Aliases, []string{spec.Name}) {
		t.Errorf("networks %+v, want stackctl_app-network with the one-off's own name only, as Compose's run", spec.Networks)
	}

	res = mustRun(t, o, st, backend.RunOptions{Service: "web", NoDeps: true, UseAliases: true})
	spec = f.specOf(t, res.Container)
	if len(spec.Networks) != 1 || !slices.Contains(spec.Networks[0].Aliases, "web") {
		t.Errorf("--use-aliases: networks %+v, want the alias web", spec.Networks)
	}
	if !slices.Equal(spec.Cmd, web.Command) || !slices.Equal(spec.Entrypoint, web.Entrypoint) {
		t.Errorf("without overrides: entrypoint %q, cmd %q; want the service's %q, %q", spec.Entrypoint, spec.Cmd, web.Entrypoint, web.Command)
	}
}

// An --entrypoint without a command drops the service's command, as
// `docker run --entrypoint` drops the image's.
func TestRunEntrypointDropsTheServiceCommand(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := &stack.Stack{Project: "p", Services: []stack.Service{{Name: "kv", Image: "redis:7", Replicas: 1, Command: []string{"redis-server"}}}}
	res := mustRun(t, o, st, backend.RunOptions{Service: "kv", Entrypoint: []string{"date"}})
	if spec := f.specOf(t, res.Container); !slices.Equal(spec.Entrypoint, []string{"date"}) || len(spec.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q; want date and no command", spec.Entrypoint, spec.Cmd)
	}
}

// Bringing up only the dependencies does not call the other services'
// containers orphans.
func TestRunDependenciesAreNoOrphanWarning(t *testing.T) {
	f, _, st := upStack(t)
	log := &progress.Recorder{}
	b := New(f, log)
	b.probeGap = time.Millisecond
	o := orchestrator.New(b, log)
	before := len(f.Events())
	res := mustRun(t, o, st, backend.RunOptions{Service: "web", Cmd: []string{"true"}, Remove: true})
	for _, e := range log.Events() {
		if e.Status == "orphans" {
			t.Errorf("run reported %s %s: %s", e.Resource, e.Status, e.Detail)
		}
	}
	// The dependencies were up to date: only the one-off (and the volume
	// of its secrets) came and went.
	secrets := res.Container + "_run-secrets"
	want := []string{
		"create volume " + secrets, "create " + secrets + "-writer", "copy " + secrets + "-writer /secrets", "remove " + secrets + "-writer",
		"create " + res.Container, "run " + res.Container, "exit " + res.Container + " 0", "remove " + res.Container,
		"remove volume " + secrets,
	}
	if got := changes(f.Events()[before:]); !slices.Equal(got, want) {
		t.Errorf("run changed %q, want only %q", got, want)
	}
}
