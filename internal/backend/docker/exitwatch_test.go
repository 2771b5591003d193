package docker

import (
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
)

// The engine tells of a one-shot's exit before an inspect can read it: up
// goes on to its dependents on the exit 0 told, while an inspect of the
// one-shot still waits for the engine to release it.
func TestUpTakesAOneShotsExitZeroAsItsCompletionBeforeItCanBeInspected(t *testing.T) {
	f := newFakeEngine()
	st := testStack(t)
	migrateSvc, _ := st.Service("migrate")
	webSvc, _ := st.Service("web")
	migrate, web := st.ContainerName(migrateSvc, 1), st.ContainerName(webSvc, 1)
	release := make(chan struct{})
	f.releasing = map[string]chan struct{}{migrate: release}
	f.onStart[migrate] = func(*engine.Container) {} // runs until the test ends it
	go func() {
		// It exits once up watches it: a migration takes that long.
		for !watched(f, migrate) {
			time.Sleep(time.Millisecond)
		}
		f.exit(migrate, 0)
		// The engine releases it only once web has started: up must
		// not have waited for an inspect of it.
		for !f.has("start " + web) {
			time.Sleep(time.Millisecond)
		}
		close(release)
	}()

	mustUp(t, newTestOrchestrator(f), st)
}

// watched says something watches the named container's exits.
func watched(f *fakeEngine, name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[name]
	return ok && len(f.deathWatchers[c.ID]) > 0
}
