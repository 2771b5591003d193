package docker

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// These tests run in a synctest bubble: its clock moves only when every
// goroutine waits, so a test can stop the stack mid-way (synctest.Wait),
// look at what has started, and let fake seconds pass in no real time. The
// orchestrator keeps its real 50 ms probe gap here.

func TestUpStartsWebOnlyAfterDBIsHealthyAndMigrateCompleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		upRunsInDependencyOrder(t, f, orchestrated(f, nil), "start")
	})
}

// upRunsInDependencyOrder brings the built-in stack up on f, db failing its
// first three probes and migrate running until the test ends it, and
// checks that each service runs in its turn: cache and db at once, migrate
// once db is healthy, web once migrate has completed. run is the fake's
// event for a service's process beginning ("start"). It returns f's
// events.
func upRunsInDependencyOrder(t *testing.T, f *fakeEngine, o *orchestrator.Orchestrator, run string) []string {
	t.Helper()
	f.probes["stackctl-db-1"] = failingProbes(3, "127.0.0.1:5432 - no response")
	f.onStart["stackctl-migrate-1"] = keepRunning // it completes when the test says so
	done := goUp(t.Context(), o, testStack(t), backend.UpOptions{})

	synctest.Wait()
	// db has failed its first probe: cache runs, migrate and web wait.
	for _, e := range []string{"start stackctl-db-1", "start stackctl-cache-1"} {
		if !f.has(e) {
			t.Errorf("while db is not healthy yet: %q has not happened", e)
		}
	}
	for _, e := range []string{run + " stackctl-migrate-1", run + " stackctl-web-1"} {
		if f.has(e) {
			t.Errorf("while db is not healthy yet: %q already happened", e)
		}
	}

	time.Sleep(time.Second) // fake time: db passes its fourth probe
	synctest.Wait()
	if !f.has(run + " stackctl-migrate-1") {
		t.Fatalf("db is healthy but migrate has not run (%q)", run)
	}
	if f.has(run + " stackctl-web-1") {
		t.Fatalf("web ran (%q) while migrate was still running", run)
	}

	f.exit("stackctl-migrate-1", 0)
	out := <-done
	if out.err != nil {
		t.Fatalf("Up: %v", out.err)
	}
	events := f.Events()
	assertBefore(t, events, "exec stackctl-db-1 ok", run+" stackctl-migrate-1")
	assertBefore(t, events, "exec stackctl-db-1 ok", run+" stackctl-web-1")
	assertBefore(t, events, "exit stackctl-migrate-1 0", run+" stackctl-web-1")
	assertBefore(t, events, "start stackctl-cache-1", run+" stackctl-web-1")
	return events
}

func TestUpStartsIndependentServicesInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		// db turns healthy only once cache has started: an orchestrator that
		// waited for db before starting cache would time out here.
		f.probes["stackctl-db-1"] = func(int) engine.ExecResult {
			if f.has("start stackctl-cache-1") {
				return engine.ExecResult{Output: "accepting connections"}
			}
			return engine.ExecResult{ExitCode: 2, Output: "no response"}
		}
		if _, err := orchestrated(f, nil).Up(t.Context(), testStack(t), backend.UpOptions{WaitTimeout: 10 * time.Second}); err != nil {
			t.Fatalf("Up: %v", err)
		}
		events := f.Events()
		assertBefore(t, events, "start stackctl-db-1", "exec stackctl-db-1 ok")
		assertBefore(t, events, "start stackctl-cache-1", "exec stackctl-db-1 ok")
	})
}

func TestUpWaitsOnlyForTheConditionsDependentsNeed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		st := testStack(t)
		// cache gets a healthcheck that never passes: web needs cache only
		// started, and with NoWait nothing waits for web itself.
		cache, _ := st.Service("cache")
		cache.Healthcheck = &stack.Healthcheck{Test: []string{"CMD", "redis-cli", "ping"}}
		f.probes["stackctl-cache-1"] = neverPasses("LOADING Redis is loading the dataset in memory")
		f.probes["stackctl-web-1"] = neverPasses("connection refused")

		began := time.Now()
		if _, err := orchestrated(f, nil).Up(t.Context(), st, backend.UpOptions{NoWait: true}); err != nil {
			t.Fatalf("Up: %v", err)
		}
		if waited := time.Since(began); waited >= time.Second {
			t.Errorf("Up took %s of fake time: it waited for something no one needs", waited)
		}
		events := f.Events()
		assertBefore(t, events, "start stackctl-cache-1", "start stackctl-web-1")
		// db is still waited for: migrate needs it healthy.
		assertBefore(t, events, "exec stackctl-db-1 ok", "start stackctl-migrate-1")
		assertNever(t, events, "exec stackctl-cache-1", "exec stackctl-web-1")
	})
}

// A cold up after a down that kept the data: migrate completed before on
// this data, so it runs nothing, and says nothing of waiting for db; web
// still waits for db to be healthy.
func TestColdUpDoesNotReportWaitingForAOneShotDoneBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		st := testStack(t)
		mustUp(t, orchestrated(f, nil), st)
		if err := orchestrated(f, nil).Down(t.Context(), st, backend.DownOptions{}); err != nil {
			t.Fatal(err)
		}
		// db takes a few probes to be healthy, so whatever waits for it
		// does wait.
		f.probes["stackctl-db-1"] = failingProbes(3, "127.0.0.1:5432 - no response")
		rec := &progress.Recorder{}
		mustUp(t, orchestrated(f, rec), st)
		if f.has("create stackctl-migrate-1") && strings.Count(strings.Join(f.Events(), "\n"), "create stackctl-migrate-1") > 1 {
			t.Error("migrate was made again on the data it completed on")
		}
		waited := map[string]bool{}
		for _, e := range rec.Events() {
			if e.Status == "waiting" {
				waited[e.Resource] = true
			}
		}
		if waited["container stackctl-migrate-1"] {
			t.Error("migrate, which runs nothing, was reported waiting for db")
		}
		if !waited["container stackctl-web-1"] {
			t.Error("web was not reported waiting for its dependencies")
		}
	})
}
