package docker_test

// Compose's hand-run commands on the real engine: pause and unpause, top,
// port, rm, wait and cp, each on the small project of exec's tests.

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// cmdsUp brings up exec's small project under the test's own name.
func (e *itgEnv) cmdsUp(ctx context.Context) *stack.Stack {
	e.t.Helper()
	st, _ := e.execStack(ctx)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	return st
}

// stateOf is the engine's state of the container name.
func (e *itgEnv) stateOf(ctx context.Context, name string) string {
	e.t.Helper()
	c, err := e.api.ContainerInspect(ctx, name)
	if err != nil {
		e.t.Fatalf("inspect %s: %v", name, err)
	}
	return c.State.Status
}

func TestCmdsIntegrationPauseUnpause(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.cmdsUp(ctx)
	app, kv := e.project+"-app-1", e.project+"-kv-1"

	if err := e.orch.Pause(ctx, st, []string{"app"}); err != nil {
		t.Fatal(err)
	}
	if got := e.stateOf(ctx, app); got != "paused" {
		t.Errorf("app after pause app: %s, want paused", got)
	}
	if got := e.stateOf(ctx, kv); got != "running" {
		t.Errorf("kv after pause app: %s, want running", got)
	}
	if err := e.orch.Pause(ctx, st, nil); err != nil {
		t.Fatalf("pause of all, app already paused: %v", err)
	}
	if got := e.stateOf(ctx, kv); got != "paused" {
		t.Errorf("kv after pause: %s, want paused", got)
	}
	if err := e.orch.Unpause(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{app, kv} {
		if got := e.stateOf(ctx, name); got != "running" {
			t.Errorf("%s after unpause: %s, want running", name, got)
		}
	}
}

func TestCmdsIntegrationTop(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.cmdsUp(ctx)

	// app has no healthcheck, so up returns once it started: its image's
	// entrypoint script may not have exec'd redis-server yet.
	var procs []backend.Processes
	var cmd int
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var err error
		if procs, err = e.orch.Top(ctx, st, []string{"app"}); err != nil {
			t.Fatal(err)
		}
		if len(procs) != 1 || procs[0].Container != e.project+"-app-1" || procs[0].Replica != 1 {
			t.Fatalf("top app = %+v, want app's one container", procs)
		}
		cmd = slices.Index(procs[0].Titles, "CMD")
		if cmd < 0 || !slices.Contains(procs[0].Titles, "PID") {
			t.Fatalf("titles %q, want ps's PID and CMD", procs[0].Titles)
		}
		if slices.ContainsFunc(procs[0].Rows, func(r []string) bool { return strings.Contains(r[cmd], "redis-server") }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes %q, want redis-server", procs[0].Rows)
		}
	}
	if err := e.orch.Stop(ctx, st, []string{"app"}, 0); err != nil {
		t.Fatal(err)
	}
	procs, err := e.orch.Top(ctx, st, nil)
	if err != nil || len(procs) != 1 || procs[0].Service != "kv" {
		t.Errorf("top with app stopped = %+v, %v; want kv's processes only", procs, err)
	}
}

func TestCmdsIntegrationPort(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.cmdsUp(ctx)

	addr, err := e.orch.Port(ctx, st, backend.PortOptions{Service: "app", Port: 7000})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.api.ContainerInspect(ctx, e.project+"-app-1")
	if err != nil {
		t.Fatal(err)
	}
	b := c.NetworkSettings.Ports["7000/tcp"]
	if len(b) == 0 || addr != "127.0.0.1:"+b[0].HostPort {
		t.Errorf("port app 7000 = %q, want 127.0.0.1 and the engine's host port %v", addr, b)
	}
	if _, err := e.orch.Port(ctx, st, backend.PortOptions{Service: "kv", Port: 6379}); !errors.Is(err, backend.ErrNoPort) {
		t.Errorf("port of kv's unpublished 6379: %v, want ErrNoPort", err)
	}
}

func TestCmdsIntegrationRm(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.cmdsUp(ctx)
	app, kv := e.project+"-app-1", e.project+"-kv-1"

	// redis:7 declares VOLUME /data: each container has an anonymous one.
	c, err := e.api.ContainerInspect(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	var anon string
	for _, m := range c.Mounts {
		if m.Type == "volume" && m.Destination == "/data" {
			anon = m.Name
		}
	}
	if anon == "" {
		t.Fatalf("app mounts %+v, want an anonymous volume on /data", c.Mounts)
	}

	if removed, err := e.orch.Rm(ctx, st, backend.RmOptions{Volumes: true}); err != nil || len(removed) != 0 {
		t.Fatalf("rm with everything running = %q, %v; want nothing removed", removed, err)
	}
	if err := e.orch.Stop(ctx, st, []string{"app"}, 0); err != nil {
		t.Fatal(err)
	}
	removed, err := e.orch.Rm(ctx, st, backend.RmOptions{Volumes: true})
	if err != nil || !slices.Equal(removed, []string{app}) {
		t.Fatalf("rm -v = %q, %v; want %s", removed, err, app)
	}
	if _, err := e.api.ContainerInspect(ctx, app); err == nil {
		t.Errorf("%s is still there", app)
	}
	if _, err := e.api.VolumeInspect(ctx, anon); err == nil {
		t.Errorf("rm -v left app's anonymous volume %s", anon)
	}
	removed, err = e.orch.Rm(ctx, st, backend.RmOptions{Services: []string{"kv"}, Stop: true, Volumes: true})
	if err != nil || !slices.Equal(removed, []string{kv}) {
		t.Fatalf("rm -s -v kv = %q, %v; want %s", removed, err, kv)
	}
	if left := e.projectContainers(ctx); len(left) != 0 {
		t.Errorf("containers left: %q", left)
	}
}

func TestCmdsIntegrationWait(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, file := e.execStack(ctx)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	app := e.project + "-app-1"

	go func() {
		time.Sleep(time.Second)
		_ = e.api.ContainerKill(ctx, app, "SIGKILL")
	}()
	exits, err := e.orch.Wait(ctx, st, backend.WaitOptions{Services: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(exits) != 1 || exits[0].Container != app || exits[0].ExitCode != 137 {
		t.Errorf("wait app = %+v, want %s exited 137", exits, app)
	}
	// --down-project, as the command line runs it: kv stops, then the
	// project goes.
	go func() {
		time.Sleep(3 * time.Second)
		_ = e.api.ContainerKill(ctx, e.project+"-kv-1", "SIGTERM")
	}()
	stdout, stderr, err := itgBuildCLI(t, e.project, nil).run(ctx, "-f", file, "wait", "--down-project", "kv")
	if err != nil || !strings.Contains(stdout, "exited with status code 0") {
		t.Fatalf("wait --down-project kv: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if left := e.projectContainers(ctx); len(left) != 0 {
		t.Errorf("wait --down-project left %q", left)
	}
}

// cp both ways on the engine: a directory into kv, read there by a
// command, and back out, byte for byte.
func TestCmdsIntegrationCopy(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.cmdsUp(ctx)

	src := filepath.Join(t.TempDir(), "conf")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a.txt": "alpha\n", "sub/b.txt": "beta\n"}
	for name, content := range want {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.orch.Copy(ctx, st, backend.CopyOptions{Service: "kv", Local: src, Path: "/tmp/conf", ToInstance: true}); err != nil {
		t.Fatal(err)
	}
	res, err := e.cli.Exec(ctx, e.project+"-kv-1", []string{"cat", "/tmp/conf/a.txt", "/tmp/conf/sub/b.txt"})
	if err != nil || res.ExitCode != 0 || res.Output != "alpha\nbeta\n" {
		t.Fatalf("in the container: %+v, %v; want both files", res, err)
	}
	out := t.TempDir()
	if err := e.orch.Copy(ctx, st, backend.CopyOptions{Service: "kv", Path: "/tmp/conf", Local: out}); err != nil {
		t.Fatal(err)
	}
	for name, content := range want {
		if got, err := os.ReadFile(filepath.Join(out, "conf", name)); err != nil || string(got) != content {
			t.Errorf("copied back %s = %q, %v; want %q", name, got, err, content)
		}
	}
}

// up SERVICE, --no-deps, --force-recreate and --no-recreate on the engine.
func TestCmdsIntegrationUpSelectsAndRecreates(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)
	ids := func() map[string]string {
		out := map[string]string{}
		for _, name := range e.projectContainers(ctx) {
			out[name] = e.inspect(ctx, name).ID
		}
		return out
	}

	// kv alone: app is not made.
	e.up(ctx, st, backend.UpOptions{Services: []string{"kv"}, WaitTimeout: time.Minute})
	if got := e.projectContainers(ctx); !slices.Equal(got, []string{e.project + "-kv-1"}) {
		t.Fatalf("up kv made %q, want kv's container alone", got)
	}
	// app with its dependencies: kv is kept, app made.
	e.up(ctx, st, backend.UpOptions{Services: []string{"app"}, WaitTimeout: time.Minute})
	before := ids()
	if len(before) != 2 {
		t.Fatalf("up app: containers %v, want kv and app", before)
	}
	// --no-deps --force-recreate app: app alone is replaced.
	e.up(ctx, st, backend.UpOptions{Services: []string{"app"}, NoDeps: true, Recreate: backend.RecreateForce, WaitTimeout: time.Minute})
	after := ids()
	kv, app := e.project+"-kv-1", e.project+"-app-1"
	if after[kv] != before[kv] || after[app] == before[app] || after[app] == "" {
		t.Errorf("--no-deps --force-recreate app: kv %s -> %s, app %s -> %s; want kv kept and app replaced", before[kv], after[kv], before[app], after[app])
	}
	// A changed environment with --no-recreate: nothing is replaced.
	app2, _ := st.Service("app")
	app2.Environment = append(slices.Clone(app2.Environment), stack.EnvVar{Name: "CHANGED", Value: "yes"})
	e.up(ctx, st, backend.UpOptions{Recreate: backend.RecreateNever, WaitTimeout: time.Minute})
	if kept := ids(); !maps.Equal(kept, after) {
		t.Errorf("--no-recreate replaced containers: %v -> %v", after, kept)
	}
	// Without it, the change replaces app.
	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	if now := ids(); now[app] == after[app] || now[kv] != after[kv] {
		t.Errorf("a plain up after the change: %v -> %v; want app alone replaced", after, now)
	}
}
