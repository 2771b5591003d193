package docker

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
	"github.com/stackctl/stackctl/internal/startgate"
)

// With a start gate, migrate's and web's containers start while db is
// still starting, and their commands run only once the gate is released:
// migrate's once db is healthy, web's once migrate has completed.
func TestGatedContainersStartEarlyAndRunOnlyOnceTheirDependenciesAreReady(t *testing.T) {
	gate := stacktest.StaticStackctl(t)
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		o := orchestrator.New(New(f, nil, WithStartGate(gate)), nil)
		events := upRunsInDependencyOrder(t, f, o, "release")
		// Their containers started while db was starting.
		assertBefore(t, events, "start stackctl-migrate-1", "exec stackctl-db-1 ok")
		assertBefore(t, events, "start stackctl-web-1", "exec stackctl-db-1 ok")

		web := f.containers["stackctl-web-1"]
		token := web.Labels[labelGate]
		if got, want := web.spec.Entrypoint, startgate.Entrypoint(token); token == "" || !slices.Equal(got, want) {
			t.Errorf("web's entrypoint = %q (token %q), want the gate's %q", got, token, want)
		}
		if got := web.spec.Cmd; !slices.Equal(got, []string{"serve"}) {
			t.Errorf("web's command = %q, want its own [serve] after the gate", got)
		}
		mounts := map[string]bool{}
		for _, m := range web.spec.Mounts {
			mounts[m.Target] = m.ReadOnly
		}
		if ro, ok := mounts[startgate.BinaryDir]; !ok || !ro {
			t.Errorf("web's mounts %v: want the gate's binary read-only at %s", web.spec.Mounts, startgate.BinaryDir)
		}
		if ro, ok := mounts[startgate.MarkerDir]; !ok || ro {
			t.Errorf("web's mounts %v: want the markers writable (through the API) at %s", web.spec.Mounts, startgate.MarkerDir)
		}
		// db and cache have no dependencies: nothing to hold them for.
		for _, name := range []string{"stackctl-db-1", "stackctl-cache-1"} {
			if c := f.containers[name]; c.Labels[labelGate] != "" {
				t.Errorf("%s has a start gate, but no dependency to wait for", name)
			}
		}
	})
}

// A gated container that an earlier up left held (it ended before the
// dependencies were ready) is released by the next up, and one already
// released is kept.
func TestUpReleasesAContainerAnEarlierRunLeftHeld(t *testing.T) {
	gate := stacktest.StaticStackctl(t)
	f := newFakeEngine()
	st := testStack(t)
	o := orchestrator.New(New(f, nil, WithStartGate(gate)), nil)
	mustUp(t, o, st)

	web := f.containers["stackctl-web-1"]
	// As if never released: its app never ran, so it never passed a check.
	delete(web.files, startgate.Marker(web.Labels[labelGate]))
	web.Health = "starting"
	if got := psState(t, o, st, "web"); got != heldState {
		t.Errorf("ps shows a held web as %q, want %q", got, heldState)
	}
	f.events = nil
	mustUp(t, o, st)
	if got := psState(t, o, st, "web"); got != "running" {
		t.Errorf("ps shows a released web as %q, want running", got)
	}
	if !f.has("release stackctl-web-1") {
		t.Errorf("a held web was not released; events: %q", f.Events())
	}
	if f.has("start stackctl-web-1") || f.has("create stackctl-web-1") {
		t.Errorf("a held web should be released in place; events: %q", f.Events())
	}

	f.events = nil
	if res := mustUp(t, o, st); res.Changed {
		t.Errorf("an up after the release changed something; events: %q", f.Events())
	}

	// `stackctl start` releases it too, once its dependencies run.
	delete(web.files, startgate.Marker(web.Labels[labelGate]))
	f.events = nil
	if err := o.Start(testContext(t), st, nil, 5*time.Second); err != nil {
		t.Fatalf("start: %v", err)
	}
	if !f.has("release stackctl-web-1") {
		t.Errorf("start left a held web held; events: %q", f.Events())
	}
}

func TestCommandOfResolvesAsTheEngineDoes(t *testing.T) {
	img := engine.Image{Entrypoint: []string{"/docker-entrypoint.sh"}, Cmd: []string{"postgres"}}
	for _, c := range []struct {
		name            string
		entrypoint, cmd []string
		want            string
	}{
		{"the image's", nil, nil, "/docker-entrypoint.sh postgres"},
		{"a command replaces the image's", nil, []string{"postgres", "-c", "fsync=off"}, "/docker-entrypoint.sh postgres -c fsync=off"},
		{"an entrypoint drops the image's command", []string{"sh", "-c"}, nil, "sh -c"},
		{"both given", []string{"sh", "-c"}, []string{"echo hi"}, "sh -c echo hi"},
	} {
		if got := strings.Join(commandOf(c.entrypoint, c.cmd, img), " "); got != c.want {
			t.Errorf("%s: commandOf = %q, want %q", c.name, got, c.want)
		}
	}
}

// A container held at its gate fails the engine's checks until released,
// and the engine's verdict stays unhealthy until one passes: a wait that
// began after the last check does not take that verdict as the service's.
func TestAWaitTakesNoUnhealthyVerdictFromBeforeIt(t *testing.T) {
	f := newFakeEngine()
	f.onStart["stackctl-db-1"] = func(c *engine.Container) {
		c.Health = "unhealthy"
		c.HealthLog = []engine.HealthResult{{Start: time.Now().Add(-time.Second), ExitCode: 1, Output: "held"}}
	}
	mustUp(t, newTestOrchestrator(f), testStack(t))
	if !f.has("exec stackctl-db-1 ok") {
		t.Errorf("db was taken as healthy without stackctl's probe passing; events: %q", f.Events())
	}
}

// An up whose dependency fails removes what it started held, so nothing
// runs that db did not let run; the next up makes and releases it.
func TestAFailedUpStopsWhatItHeldAndTheNextUpReleasesIt(t *testing.T) {
	gate := stacktest.StaticStackctl(t)
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		f.probes["stackctl-db-1"] = neverPasses("no response")
		st := testStack(t)
		o := orchestrator.New(New(f, nil, WithStartGate(gate)), nil)
		done := goUp(t.Context(), o, st, orchestrator.UpOptions{})
		synctest.Wait()
		if !f.has("start stackctl-web-1") || !f.has("start stackctl-migrate-1") {
			t.Fatalf("while db starts, web and migrate should be started held; events: %q", f.Events())
		}
		f.mu.Lock()
		db := f.containers["stackctl-db-1"]
		db.Health = "unhealthy"
		db.HealthLog = []engine.HealthResult{{Start: time.Now(), ExitCode: 2, Output: "no response"}}
		f.mu.Unlock()
		if out := <-done; out.err == nil {
			t.Fatal("up with an unhealthy db succeeded")
		}
		for _, name := range []string{"stackctl-migrate-1", "stackctl-web-1"} {
			if !f.has("remove "+name) || f.has("release "+name) {
				t.Errorf("%s: want it removed and never released; events: %q", name, f.Events())
			}
		}

		delete(f.probes, "stackctl-db-1")
		if err := f.ContainerStop(t.Context(), "stackctl-db-1", 0); err != nil {
			t.Fatal(err)
		}
		f.events = nil
		if out := <-goUp(t.Context(), o, st, orchestrator.UpOptions{}); out.err != nil {
			t.Fatalf("the next up: %v; events: %q", out.err, f.Events())
		}
		events := f.Events()
		assertBefore(t, events, "exec stackctl-db-1 ok", "release stackctl-migrate-1")
		assertBefore(t, events, "create stackctl-web-1", "release stackctl-web-1")
	})
}

// psState is the state ps shows for the service's first container.
func psState(t *testing.T, o *orchestrator.Orchestrator, st *stack.Stack, service string) string {
	t.Helper()
	ps, err := o.PS(testContext(t), st)
	if err != nil {
		t.Fatalf("ps: %v", err)
	}
	for _, c := range ps {
		if c.Service == service {
			return c.State
		}
	}
	t.Fatalf("ps lists no container of %s: %+v", service, ps)
	return ""
}

// Whether the gate can run asks the engine its platform, which costs the
// engine two programs' runs (`/version` runs runc's and docker-init's): an
// up asks once it creates a container that would start held, and a no-op
// up, which creates none, never asks.
func TestOnlyAnUpThatCreatesAGatedContainerAsksTheEnginesPlatform(t *testing.T) {
	gate := stacktest.StaticStackctl(t)
	f := newFakeEngine()
	st := testStack(t)
	mustUp(t, orchestrator.New(New(f, nil, WithStartGate(gate)), nil), st)
	if got := f.count("platform"); got != 1 {
		t.Errorf("the first up asked the engine's platform %d times, want once; events: %q", got, f.Events())
	}
	f.events = nil
	// A new process, as every run of stackctl is: nothing remembered.
	mustUp(t, orchestrator.New(New(f, nil, WithStartGate(gate)), nil), st)
	if f.has("platform") {
		t.Errorf("a no-op up asked the engine's platform; events: %q", f.Events())
	}
}
