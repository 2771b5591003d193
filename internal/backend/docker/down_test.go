package docker

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// upStack brings the default stack up on a fresh fake engine.
func upStack(t *testing.T) (*fakeEngine, *orchestrator.Orchestrator, *stack.Stack) {
	t.Helper()
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	mustUp(t, o, st)
	return f, o, st
}

// A service stops only once the processes of everything that depends on it
// are gone, without waiting for the engine to release what they held: in
// down and in stop, which share the walk. A process takes a (fake) second
// to end and the engine another to release it, so a walk that did not wait
// would stop db while web still runs, and one that waited for the whole
// stop would begin db's a second late.
func TestStopsBeginOnceTheDependentsProcessesAreGone(t *testing.T) {
	for _, verb := range []string{"down", "stop"} {
		t.Run(verb, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f, o, st := upStack(t)
				f.stopTakes, f.releaseTakes = time.Second, time.Second
				running := map[string]bool{} // migrate has exited: its stop returns at once
				for name, c := range f.containers {
					running[name] = c.Running()
				}
				var err error
				if verb == "down" {
					err = o.Down(t.Context(), st, backend.DownOptions{})
				} else {
					err = o.Stop(t.Context(), st, nil, 0)
				}
				if err != nil {
					t.Fatalf("%s: %v", verb, err)
				}
				for _, svc := range st.Services {
					if !running[st.ContainerName(&svc, 1)] {
						continue
					}
					for _, d := range svc.DependsOn {
						dep, _ := st.Service(d.Service)
						if !running[st.ContainerName(dep, 1)] {
							continue // nothing to stop: stop skips it
						}
						dependent, _ := f.when("stop " + st.ContainerName(&svc, 1))
						dependency, ok := f.when("stop " + st.ContainerName(dep, 1))
						if gap := dependency.Sub(dependent); !ok || gap < f.stopTakes || gap >= f.stopTakes+f.releaseTakes {
							t.Errorf("%s began stopping %s after %s did; want as its process ended (%s), before the engine released it", d.Service, gap, svc.Name, f.stopTakes)
						}
					}
				}
			})
		})
	}
}

// Down removes a container once its stop has returned, and the network
// once every container is gone.
func TestDownRemovesContainersOnceStoppedAndTheNetworkLast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, o, st := upStack(t)
		f.stopTakes, f.releaseTakes = time.Second, time.Second
		running := map[string]bool{}
		for name, c := range f.containers {
			running[name] = c.Running()
		}
		before := len(f.Events())
		if err := o.Down(t.Context(), st, backend.DownOptions{}); err != nil {
			t.Fatalf("Down: %v", err)
		}
		events := f.Events()[before:]
		for _, svc := range st.Services {
			name := st.ContainerName(&svc, 1)
			stopped, ok := f.when("stop " + name)
			removed, _ := f.when("remove " + name)
			if ok && running[name] && removed.Sub(stopped) < f.stopTakes+f.releaseTakes {
				t.Errorf("%s was removed %s after its stop began; want after the stop returned (%s)", name, removed.Sub(stopped), f.stopTakes+f.releaseTakes)
			}
			assertBefore(t, events, "remove "+name, "remove network stackctl_app-network")
			if f.exists(name) {
				t.Errorf("%s is still there", name)
			}
		}
	})
}

// Down removes what is labelled as the project's and nothing else, and
// leaves volumes alone unless asked.
func TestDownRemovesOnlyWhatIsOurs(t *testing.T) {
	for _, withVolumes := range []bool{false, true} {
		name := "keep volumes"
		if withVolumes {
			name = "-v"
		}
		t.Run(name, func(t *testing.T) {
			f, o, st := upStack(t)
			f.addContainer("stranger", "running", nil)
			f.addContainer("shop-db", "running", map[string]string{stack.LabelProject: "shop", stack.LabelService: "db"})
			f.volumes["shop_data"] = map[string]string{stack.LabelProject: "shop"}

			if err := o.Down(testContext(t), st, backend.DownOptions{Volumes: withVolumes}); err != nil {
				t.Fatalf("Down: %v", err)
			}
			for _, c := range []string{"stranger", "shop-db"} {
				if !f.exists(c) {
					t.Errorf("Down removed %s, which is not the project's", c)
				}
			}
			if _, ok := f.volumes["shop_data"]; !ok {
				t.Error("Down removed volume shop_data, which is not the project's")
			}
			if _, ok := f.networks["stackctl_app-network"]; ok {
				t.Error("network app-network is still there")
			}
			if _, kept := f.volumes["stackctl_postgres_data"]; kept == withVolumes {
				t.Errorf("volume postgres_data kept = %v with Volumes = %v", kept, withVolumes)
			}
		})
	}
}

// A network or volume under our name but someone else's is left alone, and
// that is no error.
func TestDownLeavesAloneResourcesWithOurNameButNotOurLabel(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	f.networks["stackctl_app-network"] = map[string]string{stack.LabelProject: "shop"}
	f.volumes["stackctl_postgres_data"] = nil
	f.addContainer("stackctl-db-1", "running", nil)

	if err := o.Down(testContext(t), st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if got := f.Events(); len(got) > 0 {
		t.Errorf("Down touched resources that are not the project's: %q", got)
	}
}

func TestDownTwiceIsFine(t *testing.T) {
	f, o, st := upStack(t)
	if err := o.Down(testContext(t), st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("first Down: %v", err)
	}
	before := len(f.Events())
	if err := o.Down(testContext(t), st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("second Down: %v", err)
	}
	if got := f.Events()[before:]; len(got) > 0 {
		t.Errorf("second Down did %q, want nothing", got)
	}
}

// down -v removes db, whose one writable mount is a volume it deletes, at
// once, without a clean stop, and only after web, which depends on it,
// has stopped; web and cache (no volume in the fake) are stopped. Without
// -v, db's data stays, and db is stopped cleanly too.
func TestDownVolumesRemovesADataContainerWithoutACleanStop(t *testing.T) {
	for _, withVolumes := range []bool{false, true} {
		t.Run(fmt.Sprintf("volumes=%v", withVolumes), func(t *testing.T) {
			f, o, st := upStack(t)
			before := len(f.Events())
			if err := o.Down(t.Context(), st, backend.DownOptions{Volumes: withVolumes}); err != nil {
				t.Fatalf("Down: %v", err)
			}
			events := f.Events()[before:]
			db, _ := st.Service("db")
			web, _ := st.Service("web")
			dbName, webName := st.ContainerName(db, 1), st.ContainerName(web, 1)
			stoppedDB := slices.Contains(events, "stop "+dbName)
			if stoppedDB == withVolumes {
				t.Errorf("down (volumes %v) stopped db: %v; events:\n%s", withVolumes, stoppedDB, strings.Join(events, "\n"))
			}
			if !slices.Contains(events, "stop "+webName) {
				t.Errorf("web was not stopped cleanly; events:\n%s", strings.Join(events, "\n"))
			}
			assertBefore(t, events, "stop "+webName, "remove "+dbName)
		})
	}
}
