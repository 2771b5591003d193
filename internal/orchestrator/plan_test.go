package orchestrator

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/golden"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// containers names instances as the Docker backend does: a container per
// replica.
type containers struct{}

func (containers) InstanceNames(st *stack.Stack, svc *stack.Service) []string {
	names := make([]string, svc.Replicas)
	for i := range names {
		names[i] = st.ContainerName(svc, i+1)
	}
	return names
}

func (containers) InstanceKind() string { return "container" }

// services names instances as a swarm backend does: one service runs all
// of a service's replicas.
type services struct{}

func (services) InstanceNames(st *stack.Stack, svc *stack.Service) []string {
	return []string{st.Project + "_" + svc.Name}
}

func (services) InstanceKind() string { return "service" }

// running is the observation of st as up left it: every wanted replica
// running with the hash reconcile expects.
func running(st *stack.Stack, imageIDs map[string]string) backend.Observed {
	obs := backend.Observed{Instances: map[string]backend.Instance{}, ImageIDs: imageIDs}
	for i := range st.Services {
		svc := &st.Services[i]
		for r := 1; r <= svc.Replicas; r++ {
			name := st.ContainerName(svc, r)
			state := "running"
			if svc.OneShot {
				state = "exited"
			}
			obs.Instances[name] = backend.Instance{ID: "id-" + name, Name: name, State: state,
				Project: st.Project, Service: svc.Name, Replica: r, Hash: st.ConfigHash(svc, imageIDs[svc.Image])}
		}
	}
	return obs
}

// withHooks gives the named services of st two pre_start hooks each.
func withHooks(st *stack.Stack, names ...string) *stack.Stack {
	for i := range st.Services {
		if slices.Contains(names, st.Services[i].Name) {
			st.Services[i].PreStart = []stack.PreStartHook{{Command: []string{"init"}}, {Command: []string{"seed"}}}
		}
	}
	return st
}

// loadProject loads a compose file of the given content as project p.
func loadProject(t *testing.T, content string) *stack.Stack {
	t.Helper()
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(t.Context(), stack.LoadOptions{Files: []string{file}, ProjectName: "p"})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Golden plans: what up decides, as text, for the situations it meets.
func TestReconcileGoldenPlans(t *testing.T) {
	images := map[string]string{"postgres:15": "sha256:pg", "redis:7": "sha256:redis", "stackctl-app:latest": "sha256:app1", "nginx:1.22": "sha256:nginx"}
	builtin := func(shape stack.Shape) *stack.Stack {
		return stacktest.Builtin(t, stacktest.Options{Project: "stackctl", WebPort: "5000", Shape: shape})
	}
	tests := []struct {
		name string
		plan func() (backend.Plan, error)
	}{
		{"fresh", func() (backend.Plan, error) {
			return reconcile(builtin(stack.Shape{}), backend.Observed{ImageIDs: images}, containers{}, backend.UpOptions{})
		}},
		// --no-wait: only what a dependent waits to be ready is awaited.
		{"fresh-no-wait", func() (backend.Plan, error) {
			return reconcile(builtin(stack.Shape{}), backend.Observed{ImageIDs: images}, containers{}, backend.UpOptions{NoWait: true})
		}},
		{"no-op", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			return reconcile(st, running(st, images), containers{}, backend.UpOptions{})
		}},
		{"new-app-image", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			obs.ImageIDs = maps.Clone(images)
			obs.ImageIDs["stackctl-app:latest"] = "sha256:app2"
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		// --force-recreate: every container is replaced, changed or not.
		{"force-recreate", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			return reconcile(st, running(st, images), containers{}, backend.UpOptions{Recreate: backend.RecreateForce})
		}},
		// --no-recreate: web's new image is not rolled out; a stopped
		// cache is started as it is.
		{"no-recreate", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			obs.ImageIDs = maps.Clone(images)
			obs.ImageIDs["stackctl-app:latest"] = "sha256:app2"
			cache := obs.Instances["stackctl-cache-1"]
			cache.State, cache.Hash = "exited", "an older configuration"
			obs.Instances["stackctl-cache-1"] = cache
			return reconcile(st, obs, containers{}, backend.UpOptions{Recreate: backend.RecreateNever})
		}},
		{"stopped-and-dead", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			cache := obs.Instances["stackctl-cache-1"]
			cache.State = "exited"
			obs.Instances["stackctl-cache-1"] = cache
			db := obs.Instances["stackctl-db-1"]
			db.State = "dead"
			obs.Instances["stackctl-db-1"] = db
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		// An earlier up made web ahead of its dependencies and ended before
		// they were ready.
		{"web-left-created", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			web := obs.Instances["stackctl-web-1"]
			web.State = "created"
			obs.Instances["stackctl-web-1"] = web
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		{"scale-up-behind-the-edge", func() (backend.Plan, error) {
			before := builtin(stack.Shape{Edge: true})
			after := builtin(stack.Shape{Edge: true, Scale: map[string]int{"web": 3}})
			return reconcile(after, running(before, images), containers{}, backend.UpOptions{})
		}},
		{"rolling-update-and-scale-down", func() (backend.Plan, error) {
			before := builtin(stack.Shape{Scale: map[string]int{"web": 3}})
			after := builtin(stack.Shape{Scale: map[string]int{"web": 2}})
			obs := running(before, images)
			obs.ImageIDs = maps.Clone(images)
			obs.ImageIDs["stackctl-app:latest"] = "sha256:app2"
			return reconcile(after, obs, containers{}, backend.UpOptions{})
		}},
		{"orphans-kept", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			obs.Instances["stackctl-extra-1"] = backend.Instance{Name: "stackctl-extra-1", State: "running", Project: "stackctl", Service: "extra"}
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		{"orphans-removed", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			obs.Instances["stackctl-extra-1"] = backend.Instance{Name: "stackctl-extra-1", State: "running", Project: "stackctl", Service: "extra"}
			return reconcile(st, obs, containers{}, backend.UpOptions{RemoveOrphans: true})
		}},
		{"dependency-restart", func() (backend.Plan, error) {
			st := loadProject(t, `services:
  db:
    image: postgres:15
  api:
    image: redis:7
    depends_on:
      db: {condition: service_started, restart: true}
  worker:
    image: redis:7
    depends_on:
      api: {condition: service_started, restart: true}
  report:
    image: redis:7
    depends_on: [db]
`)
			obs := running(st, images)
			obs.ImageIDs = maps.Clone(images)
			obs.ImageIDs["postgres:15"] = "sha256:pg2"
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		// Replicas with no load balancer are replaced one at a time:
		// start-first, but stop-first where a host port range is bound; a
		// single replica is replaced as Compose replaces it.
		{"replicas-replaced-in-turn", func() (backend.Plan, error) {
			st := loadProject(t, `services:
  kv:
    image: redis:7
    deploy: {replicas: 2}
  published:
    image: redis:7
    deploy: {replicas: 2}
    ports: ["127.0.0.1:18000-18001:6379"]
  single:
    image: redis:7
`)
			obs := running(st, images)
			obs.ImageIDs = maps.Clone(images)
			obs.ImageIDs["redis:7"] = "sha256:redis2"
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		{"one-shot-failed-and-retrying", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			obs := running(st, images)
			migrate := obs.Instances["stackctl-migrate-1"]
			migrate.ExitCode = 1
			obs.Instances["stackctl-migrate-1"] = migrate
			failed, err := reconcile(st, obs, containers{}, backend.UpOptions{})
			if err != nil {
				return backend.Plan{}, err
			}
			migrate.WillRestart = true
			obs.Instances["stackctl-migrate-1"] = migrate
			retrying, err := reconcile(st, obs, containers{}, backend.UpOptions{})
			failed.Services = append(failed.Services, retrying.Services[2])
			return failed, err
		}},
		{"cold-up-after-a-completed-migration", func() (backend.Plan, error) {
			st := builtin(stack.Shape{})
			migrate, _ := st.Service("migrate")
			hash := st.ConfigHash(migrate, images[migrate.Image])
			same := backend.Observed{ImageIDs: images, Data: "d1", Completions: map[string]backend.Completion{"migrate": {Hash: hash, Data: "d1"}}}
			plan, err := reconcile(st, same, containers{}, backend.UpOptions{})
			if err != nil {
				return backend.Plan{}, err
			}
			// Data made anew, or another image: it runs again.
			newData := same
			newData.Data = "d2"
			again, err := reconcile(st, newData, containers{}, backend.UpOptions{})
			plan.Services = append(plan.Services, again.Services[2])
			return plan, err
		}},
		{"replicated-instances", func() (backend.Plan, error) {
			// One instance per service that runs its replicas itself: a
			// changed count scales it, a changed image replaces it, the
			// rest stays.
			before := builtin(stack.Shape{})
			after := builtin(stack.Shape{})
			for i := range after.Services {
				if after.Services[i].Name == "web" {
					after.Services[i].Replicas = 3
				}
			}
			obs := backend.Observed{Instances: map[string]backend.Instance{}, ImageIDs: images}
			for i := range before.Services {
				svc := &before.Services[i]
				name := before.Project + "_" + svc.Name
				obs.Instances[name] = backend.Instance{ID: "id-" + name, Name: name, State: "running", Project: before.Project,
					Service: svc.Name, Replica: 1, Hash: before.ConfigHash(svc, images[svc.Image]), Replicated: true, Replicas: svc.Replicas}
			}
			changed := maps.Clone(images)
			changed["redis:7"] = "sha256:redis2"
			return reconcile(after, backend.Observed{Instances: obs.Instances, ImageIDs: changed}, services{}, backend.UpOptions{})
		}},
		// pre_start hooks run before a service's first start, and again
		// when all of it is replaced, never beside a replica kept running.
		{"pre-start-fresh", func() (backend.Plan, error) {
			return reconcile(withHooks(builtin(stack.Shape{}), "db", "cache"), backend.Observed{ImageIDs: images}, containers{}, backend.UpOptions{})
		}},
		{"pre-start-replaced-or-kept", func() (backend.Plan, error) {
			st := withHooks(builtin(stack.Shape{}), "db", "cache")
			obs := running(st, images)
			db := obs.Instances["stackctl-db-1"]
			db.Hash = "older"
			obs.Instances["stackctl-db-1"] = db
			return reconcile(st, obs, containers{}, backend.UpOptions{})
		}},
		{"scaled-to-zero", func() (backend.Plan, error) {
			before := builtin(stack.Shape{})
			after := builtin(stack.Shape{Scale: map[string]int{"cache": 0}})
			return reconcile(after, running(before, images), containers{}, backend.UpOptions{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := tt.plan()
			if err != nil {
				t.Fatalf("reconcile: %v", err)
			}
			path := filepath.Join("testdata", "plans", tt.name+".txt")
			golden.Check(t, path, plan.String(), "the plan")
		})
	}
}

// A container under a wanted name that is not the project's stops the
// plan: reconcile never decides to touch it.
func TestReconcileRefusesAContainerItDoesNotOwn(t *testing.T) {
	st := stacktest.Builtin(t, stacktest.Options{Project: "stackctl"})
	obs := backend.Observed{Instances: map[string]backend.Instance{
		"stackctl-db-1": {Name: "stackctl-db-1", State: "running", Project: "shop"},
	}}
	_, err := reconcile(st, obs, containers{}, backend.UpOptions{})
	var notOwned *backend.NotOwnedError
	if !errors.As(err, &notOwned) || notOwned.Name != "stackctl-db-1" || notOwned.Owner != "shop" {
		t.Errorf("reconcile: %v, want a backend.NotOwnedError for stackctl-db-1 owned by shop", err)
	}
}

// A container Compose made for the project is replaced, even with
// --no-recreate: its labels say nothing stackctl can compare.
func TestReconcileReplacesWhatComposeMade(t *testing.T) {
	st := stacktest.Builtin(t, stacktest.Options{Project: "stackctl"})
	images := map[string]string{"postgres:15": "sha256:pg", "redis:7": "sha256:redis", "stackctl-app:latest": "sha256:app1"}
	for _, recreate := range []string{backend.RecreateDiverged, backend.RecreateNever} {
		obs := running(st, images)
		cache := obs.Instances["stackctl-cache-1"]
		cache.Hash, cache.MadeBy = "", "Docker Compose"
		obs.Instances["stackctl-cache-1"] = cache
		plan, err := reconcile(st, obs, containers{}, backend.UpOptions{Recreate: recreate})
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range plan.Services {
			for _, s := range sp.Steps {
				wantReplaced := s.Name == "stackctl-cache-1"
				if (s.Action == backend.Recreate) != wantReplaced || (wantReplaced && !strings.Contains(s.Why, "made by Docker Compose")) {
					t.Errorf("%s: %s %s: %s (%s)", recreate, s.Name, s.Action, s.Why, map[bool]string{true: "want it replaced, saying Compose made it", false: "want it kept"}[wantReplaced])
				}
			}
		}
	}
}

// pre_start hooks run only where no replica of the service keeps running
// while the plan starts one.
func TestPreStartsOnlyWithNothingRunning(t *testing.T) {
	hooked := &stack.Service{Name: "db", PreStart: []stack.PreStartHook{{Command: []string{"init"}}}}
	running := &backend.Instance{State: "running"}
	exited := &backend.Instance{State: "exited"}
	tests := []struct {
		name string
		sp   backend.ServicePlan
		want bool
	}{
		{"no hooks", backend.ServicePlan{Service: &stack.Service{Name: "db"}, Steps: []backend.Step{{Action: backend.Create}}}, false},
		{"created", backend.ServicePlan{Service: hooked, Steps: []backend.Step{{Action: backend.Create}}}, true},
		{"stopped, started", backend.ServicePlan{Service: hooked, Steps: []backend.Step{{Action: backend.Start, Current: exited}}}, true},
		{"kept running", backend.ServicePlan{Service: hooked, Steps: []backend.Step{{Action: backend.Keep, Current: running}}}, false},
		{"one kept running, one created", backend.ServicePlan{Service: hooked, Steps: []backend.Step{{Action: backend.Keep, Current: running}, {Action: backend.Create}}}, false},
		{"restarted for a dependency", backend.ServicePlan{Service: hooked, Steps: []backend.Step{{Action: backend.Restart, Current: running}}}, false},
		{"recreated stop-first", backend.ServicePlan{Service: hooked, Steps: []backend.Step{{Action: backend.Recreate, Current: running}}}, true},
		{"recreated start-first", backend.ServicePlan{Service: hooked, Replace: backend.ReplaceInTurnStartFirst,
			Steps: []backend.Step{{Action: backend.Recreate, Current: running}, {Action: backend.Recreate, Current: running}}}, false},
		{"rolled through a balancer", backend.ServicePlan{Service: hooked, Balancer: &backend.Instance{},
			Steps: []backend.Step{{Action: backend.Recreate, Current: running}}}, false},
	}
	for _, tt := range tests {
		if got := preStarts(tt.sp); got != tt.want {
			t.Errorf("%s: preStarts = %v, want %v", tt.name, got, tt.want)
		}
	}
}
