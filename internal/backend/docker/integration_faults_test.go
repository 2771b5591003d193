package docker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// loadFile loads a compose file written for the test under its project.
func (e *itgEnv) loadFile(ctx context.Context, content string) *stack.Stack {
	e.t.Helper()
	st, _ := e.writeAndLoad(ctx, content)
	return st
}

// down works whatever state the containers are in: removed by hand,
// stopped, or never started.
func TestDownWhenContainersAreGoneOrHalfMade(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.loadFile(ctx, "services:\n  a:\n    image: redis:7\n  b:\n    image: redis:7\n    depends_on: [a]\n  c:\n    image: redis:7\n")
	e.cleanupProject(st)
	e.up(ctx, st, backend.UpOptions{})
	if err := e.api.ContainerRemove(ctx, e.project+"-a-1", container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	timeout := 1
	if err := e.api.ContainerStop(ctx, e.project+"-b-1", container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatal(err)
	}
	// c's container half-made: created by hand-off, never started.
	if err := e.api.ContainerRemove(ctx, e.project+"-c-1", container.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	c, _ := st.Service("c")
	c.Replicas = 1
	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("down left %v", left)
	}
}

// A service whose image is gone (removed after the container was made)
// fails up with an error that names the image and says what to do; nothing
// of the running stack is touched.
func TestUpWhenAServicesImageWasRemoved(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	ref := e.project + "-kv:1"
	if err := e.api.ImageTag(ctx, "redis:7", ref); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = e.api.ImageRemove(context.Background(), ref, image.RemoveOptions{}) })
	st := e.loadFile(ctx, "services:\n  kv:\n    image: "+ref+"\n")
	e.cleanupProject(st)
	first := e.up(ctx, st, backend.UpOptions{})
	if _, err := e.api.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := e.orch.Up(ctx, st, backend.UpOptions{})
	var missing *backend.ImageMissingError
	if !errors.As(err, &missing) || missing.Ref != ref || !strings.Contains(err.Error(), "scripts/images.sh") {
		t.Fatalf("up = %v, want an ImageMissingError for %s saying what to do", err, ref)
	}
	kv := e.inspect(ctx, e.project+"-kv-1")
	if kv.ID != first.Containers[0].ID || !kv.Running() {
		t.Errorf("the running container was touched: %s %s", kv.ID[:12], kv.Status)
	}
}

// The engine goes away while up waits for a service: up fails at once with an
// error that names the engine and what it was doing, and once the engine
// is back the next up converges. The engine is a second one, in a
// container, so the host's is untouched.
func TestUpWhenTheEngineDiesMidway(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	inner := enginetest.Dind(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	if err := inner.LoadImages(ctx, "redis:7"); err != nil {
		t.Fatal(err)
	}
	// slow never becomes healthy by itself: up waits for it until the
	// engine goes away.
	st := e.loadFile(ctx, `services:
  kv:
    image: redis:7
  slow:
    image: redis:7
    healthcheck:
      test: ["CMD-SHELL", "test -e /tmp/ready"]
      interval: 1s
    depends_on: [kv]
`)
	orch := newOrchestrator(t, inner.Client, &itgRecorder{})
	upErr := make(chan error, 1)
	go func() {
		_, err := orch.Up(ctx, st, backend.UpOptions{WaitTimeout: 3 * time.Minute})
		upErr <- err
	}()
	// Once slow runs (and up waits for it), the engine dies.
	slowRuns := wait.Func(func(ctx context.Context) (bool, error) {
		c, err := inner.Client.ContainerInspect(ctx, e.project+"-slow-1")
		return err == nil && c.Running(), nil
	})
	if err := wait.Until(ctx, 50*time.Millisecond, slowRuns); err != nil {
		t.Fatalf("slow never ran: %v", err)
	}
	// The engine goes away as a stopped dockerd does: it stops its
	// containers and exits.
	stopTimeout := 20
	if err := e.api.ContainerStop(ctx, inner.ContainerID, container.StopOptions{Timeout: &stopTimeout}); err != nil {
		t.Fatal(err)
	}
	// Depending on which up sees first: the engine gone, or the container
	// its shutdown stopped; and on what up was looking at then: slow, or
	// kv still at its first look (a started container must still run).
	err := <-upErr
	if err == nil || !(strings.Contains(err.Error(), e.project+"-slow-1") || strings.Contains(err.Error(), e.project+"-kv-1")) ||
		!(strings.Contains(err.Error(), inner.IP) || strings.Contains(err.Error(), "exited with code")) {
		t.Fatalf("up = %v; want an error naming a container it waited for, and the engine (%s) or the container's exit", err, inner.IP)
	}

	if err := e.api.ContainerStart(ctx, inner.ContainerID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	// Its address may have changed with the new start.
	inner.Reconnect(t)
	orch = newOrchestrator(t, inner.Client, &itgRecorder{})
	slow, _ := st.Service("slow")
	slow.Healthcheck.Test = []string{"CMD-SHELL", "true"}
	if _, err := orch.Up(ctx, st, backend.UpOptions{WaitTimeout: 2 * time.Minute}); err != nil {
		t.Fatalf("up after the engine came back: %v", err)
	}
	ps, err := orch.PS(ctx, st)
	if err != nil || len(ps) != 2 {
		t.Fatalf("ps: %v, %v", ps, err)
	}
	for _, c := range ps {
		if c.State != "running" {
			t.Errorf("%s is %s after up converged, want running", c.Name, c.State)
		}
	}
}
