package docker_test

// Compose's hand-run commands on the real engine: pause and unpause, top,
// port, rm, wait and cp, each on the small project of exec's tests.

import (
	"context"
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
