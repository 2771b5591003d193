package docker

import (
	"testing"
	"testing/synctest"

	"github.com/stackctl/stackctl/internal/orchestrator"
)

// Up calls Converged once, after every service has started and is ready,
// and still returns the closing ps; an Up that fails never calls it, so a
// caller never gives up the project's lock while something may change.
func TestUpCallsConvergedOnceAfterConvergence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		calls := 0
		res, err := orchestrated(f, nil).Up(t.Context(), testStack(t), orchestrator.UpOptions{
			Converged: func() { calls++; f.record("converged") },
		})
		if err != nil {
			t.Fatalf("Up: %v", err)
		}
		if calls != 1 {
			t.Errorf("Converged called %d times, want 1", calls)
		}
		events := f.Events()
		for _, e := range []string{"start stackctl-web-1", "exec stackctl-web-1 ok", "exit stackctl-migrate-1 0"} {
			assertBefore(t, events, e, "converged")
		}
		if len(res.Containers) == 0 {
			t.Error("Up returned no containers: the closing ps is missing")
		}
	})
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		f.onStart["stackctl-migrate-1"] = exitForGood(1)
		called := false
		_, err := orchestrated(f, nil).Up(t.Context(), testStack(t), orchestrator.UpOptions{Converged: func() { called = true }})
		if err == nil {
			t.Fatal("Up succeeded with migrate failing")
		}
		if called {
			t.Error("Converged called though Up failed")
		}
	})
}
