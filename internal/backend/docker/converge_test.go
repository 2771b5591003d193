package docker

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// containerIDs maps the engine's container names to their IDs, to tell a
// recreated container (new ID) from a kept one.
func containerIDs(f *fakeEngine) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := map[string]string{}
	for name, c := range f.containers {
		ids[name] = c.ID
	}
	return ids
}

func TestUpTwiceChangesNothing(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	if res := mustUp(t, o, st); !res.Changed {
		t.Error("first Up: Changed = false, want true")
	}
	before, ids := len(f.Events()), containerIDs(f)

	res := mustUp(t, o, st)
	if res.Changed {
		t.Error("second Up: Changed = true, want false")
	}
	if got := changes(f.Events()[before:]); len(got) > 0 {
		t.Errorf("second Up changed the engine: %q", got)
	}
	if got := containerIDs(f); !equalMaps(got, ids) {
		t.Errorf("containers after the second Up = %v, want %v", got, ids)
	}
	if len(res.Containers) != 4 {
		t.Errorf("Up lists %d containers, want 4", len(res.Containers))
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// Only the container whose configuration changed is recreated; the others
// keep running, untouched.
func TestUpRecreatesOnlyTheChangedService(t *testing.T) {
	tests := []struct {
		name      string
		container string
		change    func(*stack.Stack, *fakeEngine)
	}{
		{"cache environment", "stackctl-cache-1", func(st *stack.Stack, _ *fakeEngine) {
			svc, _ := st.Service("cache")
			svc.Environment = append(svc.Environment, stack.EnvVar{Name: "REDIS_ARGS", Value: "--maxmemory 64mb"})
		}},
		{"web published port", "stackctl-web-1", func(st *stack.Stack, _ *fakeEngine) {
			svc, _ := st.Service("web")
			svc.Ports[0].HostPort = 8080
		}},
		{"db image updated under the same tag", "stackctl-db-1", func(_ *stack.Stack, f *fakeEngine) {
			f.images["postgres:15"] = engine.Image{ID: "sha256:postgres15-patched"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEngine()
			o := newTestOrchestrator(f)
			st := testStack(t)
			mustUp(t, o, st)
			before, ids := len(f.Events()), containerIDs(f)

			f.mu.Lock()
			tt.change(st, f)
			f.mu.Unlock()
			if res := mustUp(t, o, st); !res.Changed {
				t.Error("Up: Changed = false, want true")
			}

			got := changes(f.Events()[before:])
			if len(got) == 0 {
				t.Fatalf("Up did not touch %s", tt.container)
			}
			// The replica's secrets are written anew by a writer container
			// named after its volume: part of recreating it.
			secrets := strings.Replace(tt.container, "-", "_", 1) + "_run-secrets"
			for _, e := range got {
				if !strings.Contains(e, tt.container) && !strings.Contains(e, secrets) {
					t.Errorf("Up touched more than %s: %q", tt.container, e)
				}
			}
			after := containerIDs(f)
			for name, id := range ids {
				switch recreated := after[name] != id; {
				case name == tt.container && !recreated:
					t.Errorf("%s was not recreated", name)
				case name != tt.container && recreated:
					t.Errorf("%s was recreated", name)
				}
			}
			if len(after) != len(ids) {
				t.Errorf("containers after Up: %v, want the same names as before: %v", after, ids)
			}
		})
	}
}

// A container that is up to date but stopped is started again, not
// recreated.
func TestUpStartsAStoppedContainer(t *testing.T) {
	for _, name := range []string{"stackctl-db-1", "stackctl-cache-1", "stackctl-web-1"} {
		t.Run(name, func(t *testing.T) {
			f := newFakeEngine()
			o := newTestOrchestrator(f)
			st := testStack(t)
			mustUp(t, o, st)
			before := len(f.Events())
			f.set(name, exitWith(0)) // docker stop

			if res := mustUp(t, o, st); !res.Changed {
				t.Error("Up: Changed = false, want true")
			}
			if got, want := changes(f.Events()[before:]), []string{"start " + name}; !slices.Equal(got, want) {
				t.Errorf("Up did %q, want %q", got, want)
			}
		})
	}
}

// A one-shot task runs to completion once: a success stays done, a failure
// the engine gave up on is run again.
func TestUpRerunsAOneShotOnlyIfItFailedForGood(t *testing.T) {
	tests := []struct {
		name     string
		lastRun  func(*engine.Container)
		wantDone []string
	}{
		{"exited 0", exitWith(0), nil},
		{"exited 1 after its retries", exitForGood(1), []string{"start stackctl-migrate-1", "exit stackctl-migrate-1 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEngine()
			o := newTestOrchestrator(f)
			st := testStack(t)
			mustUp(t, o, st)
			f.set("stackctl-migrate-1", tt.lastRun)
			before := len(f.Events())

			mustUp(t, o, st)
			if got := changes(f.Events()[before:]); !slices.Equal(got, tt.wantDone) {
				t.Errorf("Up did %q, want %q", got, tt.wantDone)
			}
		})
	}
}

func TestUpRemovesSurplusReplicas(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	cache, _ := st.Service("cache")
	cache.Replicas = 3
	mustUp(t, o, st)
	ids := containerIDs(f)
	before := len(f.Events())

	cache.Replicas = 2
	if res := mustUp(t, o, st); !res.Changed {
		t.Error("Up: Changed = false, want true")
	}
	if got, want := changes(f.Events()[before:]), []string{"stop stackctl-cache-3", "remove stackctl-cache-3"}; !slices.Equal(got, want) {
		t.Errorf("scaling 3 to 2 did %q, want %q", got, want)
	}
	after := containerIDs(f)
	for _, name := range []string{"stackctl-cache-1", "stackctl-cache-2"} {
		if after[name] == "" || after[name] != ids[name] {
			t.Errorf("%s was not kept as it was", name)
		}
	}
}

// The app image is built once for both services that use it, and again
// only when its build context changes, which recreates just those services.
func TestUpRebuildsOnlyWhenTheBuildContextChanges(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	dir := appDir(t)
	st := stacktest.Builtin(t, stacktest.Options{AppDir: dir})
	mustUp(t, o, st)
	mustUp(t, o, st)
	if len(f.builds) != 1 {
		t.Fatalf("two Ups of an unchanged context built %d times, want 1", len(f.builds))
	}
	if got := f.builds[0].Labels[stack.LabelProject]; got != st.Project {
		t.Errorf("built image's project label = %q, want %q", got, st.Project)
	}
	ids := containerIDs(f)

	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustUp(t, o, st)
	if len(f.builds) != 2 {
		t.Fatalf("a changed context built %d times in all, want 2", len(f.builds))
	}
	after := containerIDs(f)
	for name, id := range ids {
		recreated := after[name] != id
		if want := name == "stackctl-migrate-1" || name == "stackctl-web-1"; recreated != want {
			t.Errorf("%s recreated = %v, want %v", name, recreated, want)
		}
	}
}

// --build rebuilds an unchanged context; the same image ID recreates nothing.
func TestUpForcedBuildOfTheSameImageRecreatesNothing(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	mustUp(t, o, st)
	before := len(f.Events())

	res, err := o.Up(testContext(t), st, backend.UpOptions{Build: true})
	if err != nil {
		t.Fatalf("Up --build: %v", err)
	}
	if got, want := changes(f.Events()[before:]), []string{"build stackctl-app:latest"}; !slices.Equal(got, want) {
		t.Errorf("Up --build did %q, want %q", got, want)
	}
	if !res.Changed {
		t.Error("Up --build: Changed = false, want true (it built)")
	}
}

// A service dropped from the file leaves its container until up is told
// --remove-orphans; then that container, and only it, goes.
func TestUpRemovesOrphansOnlyWhenAsked(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	st.Services = append(st.Services, stack.Service{Name: "extra", Image: "redis:7", Replicas: 1})
	mustUp(t, o, st)

	trimmed := testStack(t)
	before := len(f.Events())
	if _, err := o.Up(testContext(t), trimmed, backend.UpOptions{}); err != nil {
		t.Fatalf("Up: %v", err)
	}
	if !f.exists("stackctl-extra-1") {
		t.Error("up without --remove-orphans removed the orphan")
	}
	if _, err := o.Up(testContext(t), trimmed, backend.UpOptions{RemoveOrphans: true}); err != nil {
		t.Fatalf("Up --remove-orphans: %v", err)
	}
	if f.exists("stackctl-extra-1") {
		t.Error("up --remove-orphans left the orphan")
	}
	if got, want := changes(f.Events()[before:]), []string{"stop stackctl-extra-1", "remove stackctl-extra-1"}; !slices.Equal(got, want) {
		t.Errorf("the two ups did %q, want only %q", got, want)
	}
}

// A replacement that cannot start is undone: the new container goes, and
// the old one is back under its name, running as before.
func TestReplaceThatCannotStartPutsTheOldContainerBack(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	mustUp(t, o, st)
	oldID := containerIDs(f)["stackctl-cache-1"]

	cache, _ := st.Service("cache")
	cache.Command = []string{"redis-server", "--appendonly", "yes"}
	f.startErrOnce["stackctl-cache-1"] = errors.New("port is already allocated")
	_, err := o.Up(testContext(t), st, backend.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "port is already allocated") {
		t.Fatalf("Up = %v, want the start's failure", err)
	}
	if got := containerIDs(f)["stackctl-cache-1"]; got != oldID {
		t.Errorf("stackctl-cache-1 is %q, want the old container %q back", got, oldID)
	}
	c, err := f.ContainerInspect(testContext(t), oldID)
	if err != nil || !c.Running() || c.Name != "stackctl-cache-1" {
		t.Errorf("old container: %+v, %v; want it running under its name", c, err)
	}
	if n := len(containerIDs(f)); n != 4 {
		t.Errorf("%d containers after the failed replace, want the 4 of the stack (the new one removed)", n)
	}
}

// A no-op up of a settled stack asks the engine nothing about replicas its
// list already shows healthy (or one-shots that exited 0): no probe runs.
func TestNoOpUpOfASettledStackProbesNothing(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	mustUp(t, o, st)
	for _, name := range []string{"stackctl-db-1", "stackctl-web-1"} {
		f.set(name, func(c *engine.Container) { c.Health = "healthy" })
	}
	before := len(f.Events())
	f.mu.Lock()
	clear(f.inspected)
	f.mu.Unlock()
	if res := mustUp(t, o, st); res.Changed {
		t.Error("Up: Changed = true on a settled stack")
	}
	if got := f.Events()[before:]; len(got) != 0 {
		t.Errorf("a no-op up of a settled stack did %q, want nothing", got)
	}
	// Up's closing ps inspects each container once; nothing else should.
	for _, name := range []string{"stackctl-db-1", "stackctl-web-1"} {
		if n := f.inspected[name]; n != 1 {
			t.Errorf("%s inspected %d times, want once (by the summary)", name, n)
		}
	}
}
