package docker_test

// exec and run against the real engine: a command's output, input and exit
// code, exec's -e/-w/-u, and run's one-off container with its dependencies,
// its removal and what it leaves to down.

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// execCompose is a small project: kv, healthy once redis answers, and app,
// which waits for it and publishes a port the engine chooses.
const execCompose = `services:
  kv:
    image: redis:7
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 10s
  app:
    image: redis:7
    command: ["redis-server", "--port", "7000"]
    stop_grace_period: 1s
    environment:
      GREETING: from-the-file
    ports: ["127.0.0.1::7000"]
    depends_on:
      kv:
        condition: service_healthy
`

// execStack writes execCompose to a directory of the test's and loads it
// under the test's project, taken down with its volumes when the test ends.
func (e *itgEnv) execStack(ctx context.Context) (*stack.Stack, string) {
	e.t.Helper()
	return e.composeStack(ctx, execCompose)
}

// projectContainers names the containers labelled with the test's project.
func (e *itgEnv) projectContainers(ctx context.Context) []string {
	e.t.Helper()
	list, err := e.api.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+e.project))})
	if err != nil {
		e.t.Fatalf("list containers: %v", err)
	}
	var names []string
	for _, c := range list {
		names = append(names, strings.TrimPrefix(c.Names[0], "/"))
	}
	return names
}

func TestExecIntegrationOutputInputAndExitCode(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})

	var out, errOut bytes.Buffer
	code, err := e.orch.Exec(ctx, st, backend.ExecOptions{
		Service: "kv", Cmd: []string{"sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"},
		Stdio: engine.Stdio{Out: &out, Err: &errOut},
	})
	if err != nil || code != 3 {
		t.Fatalf("exec = %d, %v; want exit code 3", code, err)
	}
	if out.String() != "to-stdout\n" || errOut.String() != "to-stderr\n" {
		t.Errorf("stdout %q, stderr %q; want each stream's own line", out.String(), errOut.String())
	}

	out.Reset()
	code, err = e.orch.Exec(ctx, st, backend.ExecOptions{
		Service: "kv", Cmd: []string{"sh", "-c", "tr a-z A-Z"},
		Stdio: engine.Stdio{In: strings.NewReader("piped in\n"), Out: &out},
	})
	if err != nil || code != 0 || out.String() != "PIPED IN\n" {
		t.Errorf("exec with stdin = %d, %v, output %q; want 0 and PIPED IN", code, err, out.String())
	}

	out.Reset()
	code, err = e.orch.Exec(ctx, st, backend.ExecOptions{
		Service: "app", Cmd: []string{"redis-cli", "-p", "7000", "ping"}, Stdio: engine.Stdio{Out: &out},
	})
	if err != nil || code != 0 || out.String() != "PONG\n" {
		t.Errorf("exec in app = %d, %v, output %q; want 0 and PONG", code, err, out.String())
	}

	if _, err := e.orch.Exec(ctx, st, backend.ExecOptions{Service: "kv", Index: 2, Cmd: []string{"true"}}); !errors.Is(err, backend.ErrNoSuchReplica) {
		t.Errorf("--index 2 of one replica: %v, want ErrNoSuchReplica", err)
	}
	if err := e.orch.Stop(ctx, st, []string{"app"}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.orch.Exec(ctx, st, backend.ExecOptions{Service: "app", Cmd: []string{"true"}})
	if !errors.Is(err, backend.ErrNotRunning) || !strings.Contains(err.Error(), "stackctl up") {
		t.Errorf("exec in a stopped service: %v, want ErrNotRunning that says `stackctl up`", err)
	}
}

func TestExecIntegrationEnvWorkdirUser(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})

	var out, errOut bytes.Buffer
	code, err := e.orch.Exec(ctx, st, backend.ExecOptions{
		Service: "app", Cmd: []string{"sh", "-c", `echo "$GREETING|$EXTRA|$(pwd)|$(id -u):$(id -g)"`},
		Env: []string{"GREETING=from-exec", "EXTRA=x y"}, WorkingDir: "/tmp", User: "4321:1234",
		Stdio: engine.Stdio{Out: &out, Err: &errOut},
	})
	if err != nil || code != 0 {
		t.Fatalf("exec = %d, %v\nstdout: %s\nstderr: %s", code, err, out.String(), errOut.String())
	}
	if got, want := out.String(), "from-exec|x y|/tmp|4321:1234\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

func TestRunIntegrationStartsDependenciesFirst(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)

	// Nothing is up: run brings kv up, healthy, and reaches it by name on
	// the project's network; app's own replica is not made.
	var out bytes.Buffer
	res, err := e.orch.Run(ctx, st, backend.RunOptions{
		Service: "app", Remove: true,
		Cmd:   []string{"sh", "-c", `redis-cli -h kv ping && echo "$GREETING" && exit 4`},
		Stdio: engine.Stdio{Out: &out},
	})
	if err != nil || res.ExitCode != 4 {
		t.Fatalf("run = %+v, %v; want exit code 4\noutput: %s", res, err, out.String())
	}
	if got := out.String(); got != "PONG\nfrom-the-file\n" {
		t.Errorf("output %q, want PONG from kv and app's environment", got)
	}
	kv := e.inspect(ctx, e.project+"-kv-1")
	if !kv.Running() {
		t.Errorf("kv is %s, want running", kv.Status)
	}
	if names := e.projectContainers(ctx); len(names) != 1 || names[0] != e.project+"-kv-1" {
		t.Errorf("containers of the project after run --rm: %v, want kv's only", names)
	}
}

// Without --rm the one-off stays, exited with its code, carries the one-off
// labels and publishes none of the service's ports; a later up leaves it,
// and down (in the test's cleanup, which checks nothing is left) removes it.
func TestRunIntegrationExitCodeAndOneOffContainer(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)

	res, err := e.orch.Run(ctx, st, backend.RunOptions{
		Service: "app", NoDeps: true, Cmd: []string{"sh", "-c", "exit 7"},
	})
	if err != nil || res.ExitCode != 7 {
		t.Fatalf("run = %+v, %v; want exit code 7", res, err)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(e.project) + `-app-run-[0-9a-f]{6}$`).MatchString(res.Container) {
		t.Errorf("one-off named %s, want %s-app-run-<6 hex>", res.Container, e.project)
	}
	if names := e.projectContainers(ctx); len(names) != 1 {
		t.Errorf("--no-deps: containers of the project %v, want the one-off only", names)
	}
	raw, err := e.api.ContainerInspect(ctx, res.Container)
	if err != nil {
		t.Fatal(err)
	}
	if raw.State.Status != "exited" || raw.State.ExitCode != 7 {
		t.Errorf("one-off is %s, exit %d; want exited 7", raw.State.Status, raw.State.ExitCode)
	}
	if len(raw.HostConfig.PortBindings) != 0 || raw.HostConfig.RestartPolicy.Name != "no" {
		t.Errorf("one-off publishes %v with restart policy %q; want no ports, no restart", raw.HostConfig.PortBindings, raw.HostConfig.RestartPolicy.Name)
	}
	if l := raw.Config.Labels; l[stack.LabelOneOff] != "true" || l[stack.LabelService] != "app" || l[stack.LabelProject] != e.project {
		t.Errorf("one-off labels %v", l)
	}

	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	if _, err := e.api.ContainerInspect(ctx, res.Container); err != nil {
		t.Errorf("up removed the one-off: %v", err)
	}
	if names := e.projectContainers(ctx); len(names) != 3 {
		t.Errorf("after up: %v, want kv, app and the one-off", names)
	}
}

func TestRunIntegrationStdinAndRemove(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)

	var out bytes.Buffer
	res, err := e.orch.Run(ctx, st, backend.RunOptions{
		Service: "kv", Remove: true, Cmd: []string{"sh", "-c", "tr a-z A-Z"},
		Stdio: engine.Stdio{In: strings.NewReader("into the one-off\n"), Out: &out},
	})
	if err != nil || res.ExitCode != 0 || out.String() != "INTO THE ONE-OFF\n" {
		t.Fatalf("run = %+v, %v, output %q; want 0 and the input upper-cased", res, err, out.String())
	}
	if names := e.projectContainers(ctx); len(names) != 0 {
		t.Errorf("run --rm left %v", names)
	}
}

// signalWriter closes seen once it has been written to.
type signalWriter struct {
	once sync.Once
	seen chan struct{}
}

func (w *signalWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.seen) })
	return len(b), nil
}

// Interrupted (Ctrl-C cancels the context), run --rm removes its container.
func TestRunIntegrationRemoveOnInterrupt(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.execStack(ctx)

	runCtx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	started := &signalWriter{seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := e.orch.Run(runCtx, st, backend.RunOptions{
			Service: "kv", NoDeps: true, Remove: true,
			Cmd:   []string{"sh", "-c", "echo started; exec sleep 600"},
			Stdio: engine.Stdio{Out: started},
		})
		done <- err
	}()
	select {
	case <-started.seen:
	case err := <-done:
		t.Fatalf("run ended before its command started: %v", err)
	case <-ctx.Done():
		t.Fatal("the one-off never started")
	}
	if names := e.projectContainers(ctx); len(names) != 1 {
		t.Fatalf("while running: %v, want the one-off", names)
	}
	interrupt()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted run returned %v, want context.Canceled", err)
	}
	if names := e.projectContainers(ctx); len(names) != 0 {
		t.Errorf("interrupted run --rm left %v", names)
	}
}

// The binary passes a command's exit code on as its own, for exec and run.
func TestExecRunIntegrationBinaryExitCodes(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	_, file := e.execStack(ctx)

	bin := filepath.Join(t.TempDir(), "stackctl")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/stackctl")
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/stackctl: %v\n%s", err, out)
	}
	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, append([]string{"-f", file, "-p", e.project, "--progress", "plain"}, args...)...)
		var o, eo bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &eo
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatalf("stackctl %v: %v", args, err)
		}
		return o.String(), eo.String(), code
	}

	if out, errOut, code := run("up"); code != 0 {
		t.Fatalf("stackctl up: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code := run("exec", "kv", "sh", "-c", "echo hi; exit 3"); code != 3 || out != "hi\n" {
		t.Errorf("stackctl exec kv ... exit 3: exit %d, stdout %q, stderr %q; want 3 and hi", code, out, errOut)
	}
	if out, errOut, code := run("exec", "-T", "kv", "true"); code != 0 || out != "" || errOut != "" {
		t.Errorf("stackctl exec -T kv true: exit %d, stdout %q, stderr %q; want 0 and nothing said", code, out, errOut)
	}
	if _, errOut, code := run("exec", "nope", "true"); code != 1 || !strings.Contains(errOut, `unknown service "nope"`) || !strings.Contains(errOut, "app, kv") {
		t.Errorf("stackctl exec nope: exit %d, stderr %q; want 1 naming the services", code, errOut)
	}
	if out, errOut, code := run("run", "--rm", "app", "sh", "-c", "redis-cli -h kv ping; exit 5"); code != 5 || out != "PONG\n" {
		t.Errorf("stackctl run --rm app ... exit 5: exit %d, stdout %q, stderr %q; want 5 and PONG", code, out, errOut)
	}
	if out, errOut, code := run("run", "--rm", "--no-deps", "kv", "true"); code != 0 || out != "" {
		t.Errorf("stackctl run --rm kv true: exit %d, stdout %q, stderr %q; want 0", code, out, errOut)
	}
	if names := e.projectContainers(ctx); len(names) != 2 {
		t.Errorf("after the runs with --rm: %v, want kv's and app's replicas only", names)
	}
	if out, errOut, code := run("down"); code != 0 {
		t.Errorf("stackctl down: exit %d\n%s\n%s", code, out, errOut)
	}
}
