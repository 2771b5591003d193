package docker_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// preStartFile's hooks write into the volume the service then reads: the
// first with the service's image, the second with one of its own.
const preStartFile = `
services:
  app:
    image: redis:7
    command: ["sh", "-c", "cat /data/greeting > /tmp/seen && exec sleep 3600"]
    volumes: [data:/data]
    pre_start:
      - command: ["sh", "-c", "echo hello > /data/greeting && echo first hook ran"]
      - image: python:3.11-slim
        command: ["sh", "-c", "echo $$WORD >> /data/greeting"]
        environment: {WORD: world}
volumes:
  data: {}
`

// preStartFailFile's hook fails: the service must not start.
const preStartFailFile = `
services:
  bad:
    image: redis:7
    command: ["sleep", "3600"]
    pre_start:
      - command: ["true"]
      - command: ["sh", "-c", "echo about to fail; echo boom >&2; exit 3"]
`

// pre_start hooks run in order, each in a container of its own sharing the
// service container's volumes, before it starts, their output on the
// progress; a failing one fails up naming the service, the hook and its
// exit code, and down removes the container it kept.
func TestPreStartHooks(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	base := e.project
	ctx := enginetest.Context(t, 4*time.Minute)
	st, _ := e.composeStack(ctx, preStartFile)
	e.up(ctx, st, backend.UpOptions{})

	app := base + "-app-1"
	if got := e.exec(ctx, app, "cat", "/tmp/seen"); got != "hello\nworld" {
		t.Errorf("the service read %q from the volume at its start, want the hooks' hello and world", got)
	}
	shown := false
	for _, ev := range e.events.Events() {
		shown = shown || (ev.Resource == "container "+base+"-app-pre_start-0" && ev.Status == "pre_start" && ev.Detail == "first hook ran")
	}
	if !shown {
		t.Error("the first hook's output is not on the progress")
	}
	if left := e.hookContainers(ctx, base); len(left) > 0 {
		t.Errorf("hooks that succeeded left their containers: %v", left)
	}
	// A second up keeps app running: its hooks do not run again.
	ran := e.hookRuns()
	e.up(ctx, st, backend.UpOptions{})
	if again := e.hookRuns(); again != ran {
		t.Errorf("a second up ran the hooks of a service it kept running (%d hook runs, then %d)", ran, again)
	}

	e.project = base + "-fail"
	failing, _ := e.composeStack(ctx, preStartFailFile)
	_, err := e.orch.Up(ctx, failing, backend.UpOptions{})
	if err == nil {
		t.Fatal("up with a failing pre_start hook succeeded")
	}
	for _, want := range []string{"services.bad.pre_start[1]", "exited with code 3", "boom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("up's error %q does not say %q", err, want)
		}
	}
	c, ierr := e.api.ContainerInspect(ctx, e.project+"-bad-1")
	if ierr == nil && c.State.Running {
		t.Error("the service started although its pre_start hook failed")
	}
	if kept := e.hookContainers(ctx, e.project); len(kept) != 1 || kept[0] != "/"+e.project+"-bad-pre_start-1" {
		t.Errorf("the failed hook's container is not kept for inspection: hook containers %v", kept)
	}
	if err := e.orch.Down(ctx, failing, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if left := e.hookContainers(ctx, e.project); len(left) > 0 {
		t.Errorf("down left hook containers: %v", left)
	}
}

// A hook container Compose kept after a failed hook is the project's to
// stackctl: labelled as stackctl labels one, and removed by its down.
func TestPreStartHookComposeKeptIsRemovedByDown(t *testing.T) {
	requireComposeCLI(t)
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, file := e.writeAndLoad(ctx, preStartFailFile)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = exec.CommandContext(ctx, "docker", "compose", "-p", e.project, "-f", file, "down").Run()
	})
	if out, err := exec.CommandContext(ctx, "docker", "compose", "-p", e.project, "-f", file, "up", "-d").CombinedOutput(); err == nil {
		t.Fatalf("docker compose up with a failing pre_start hook succeeded:\n%s", out)
	}
	kept := e.hookContainers(ctx, e.project)
	if len(kept) != 1 || kept[0] != "/"+e.project+"-bad-pre_start-1" {
		t.Fatalf("Compose kept hook containers %v, want the failed one under stackctl's name for it", kept)
	}
	c, err := e.api.ContainerInspect(ctx, kept[0])
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"com.docker.compose.service": "bad", "com.docker.compose.hook": "pre_start", "com.docker.compose.hook-index": "1"} {
		if c.Config.Labels[k] != v {
			t.Errorf("Compose's hook container has %s=%q, stackctl labels it %q", k, c.Config.Labels[k], v)
		}
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if left := e.composeLeftovers(ctx); len(left) > 0 {
		t.Errorf("stackctl down left of the project Compose made: %v", left)
	}
}

// hookRuns counts the pre_start hooks run so far, by their progress.
func (e *itgEnv) hookRuns() int {
	n := 0
	for _, ev := range e.events.Events() {
		if ev.Status == "running pre_start" {
			n++
		}
	}
	return n
}

// hookContainers names project's pre_start hook containers, as Compose
// labels them.
func (e *itgEnv) hookContainers(ctx context.Context, project string) []string {
	e.t.Helper()
	args := filters.NewArgs(filters.Arg("label", "com.docker.compose.project="+project), filters.Arg("label", "com.docker.compose.hook=pre_start"))
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Names...)
	}
	return names
}
