package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// A dependency that fails stops Up with an error that says why, and the
// services waiting for it are never started. These run in a synctest bubble
// so the timeout case takes no real time.
func TestUpFailsWhenADependencyFails(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*fakeEngine)
		opts      backend.UpOptions
		service   string
		wantInErr []string
		neverRun  []string
	}{
		{
			name: "one-shot exits non-zero after its retries",
			setup: func(f *fakeEngine) {
				f.onStart["stackctl-migrate-1"] = exitForGood(1)
				f.logs["stackctl-migrate-1"] = []string{"applying 0002_visits", `ERROR: relation "visits" already exists`}
			},
			service:   "migrate",
			wantInErr: []string{"exited with code 1 after 3 restarts", "--- last log lines ---", `relation "visits" already exists`},
			neverRun:  []string{"start stackctl-web-1"},
		},
		{
			name: "engine marks it unhealthy",
			setup: func(f *fakeEngine) {
				f.probes["stackctl-db-1"] = neverPasses("no response")
				f.onStart["stackctl-db-1"] = func(c *engine.Container) {
					// The engine's verdict comes retries x interval after
					// the start: after the wait for it began.
					c.Health = "unhealthy"
					c.HealthLog = []engine.HealthResult{{Start: time.Now().Add(time.Minute), ExitCode: 2, Output: "127.0.0.1:5432 - no response from pg_isready"}}
				}
			},
			service:   "db",
			wantInErr: []string{"is unhealthy", "--- last health checks ---", "no response from pg_isready"},
			neverRun:  []string{"start stackctl-migrate-1", "start stackctl-web-1"},
		},
		{
			name:      "never ready within the wait timeout",
			setup:     func(f *fakeEngine) { f.probes["stackctl-db-1"] = neverPasses("127.0.0.1:5432 - rejecting connections") },
			opts:      backend.UpOptions{WaitTimeout: 3 * time.Second},
			service:   "db",
			wantInErr: []string{"did not become ready within 3s", "--- last probe by stackctl ---", "exit 1: 127.0.0.1:5432 - rejecting connections"},
			neverRun:  []string{"start stackctl-migrate-1", "start stackctl-web-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine()
				tt.setup(f)
				_, err := orchestrated(f, nil).Up(t.Context(), testStack(t), tt.opts)

				var failed *backend.ServiceFailedError
				if !errors.As(err, &failed) {
					t.Fatalf("Up error = %v, want a *ServiceFailedError", err)
				}
				if failed.Service != tt.service {
					t.Errorf("failed service = %q, want %q", failed.Service, tt.service)
				}
				for _, want := range tt.wantInErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error does not contain %q:\n%v", want, err)
					}
				}
				// Dependents fail only because of it; their errors would be noise.
				if strings.Contains(err.Error(), orchestrator.ErrDependencyFailed.Error()) {
					t.Errorf("error repeats the dependents' failures:\n%v", err)
				}
				assertNever(t, f.Events(), tt.neverRun...)
			})
		})
	}
}

// The timeout bounds each wait: Up gives up at the deadline, not later.
func TestUpGivesUpAtTheWaitTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		f.probes["stackctl-db-1"] = neverPasses("no response")
		began := time.Now()
		_, err := orchestrated(f, nil).Up(t.Context(), testStack(t), backend.UpOptions{WaitTimeout: 3 * time.Second})
		if err == nil {
			t.Fatal("Up succeeded with a db that never passes its probe")
		}
		// One probe gap of slack: the wait notices the deadline in its pause.
		if waited := time.Since(began); waited < 3*time.Second || waited > 3*time.Second+100*time.Millisecond {
			t.Errorf("Up gave up after %s, want 3s", waited)
		}
	})
}

func TestUpReturnsPromptlyWhenCanceled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine()
		f.probes["stackctl-db-1"] = neverPasses("no response")
		ctx, cancel := context.WithCancel(t.Context())
		done := goUp(ctx, orchestrated(f, nil), testStack(t), backend.UpOptions{})

		time.Sleep(10 * time.Second) // fake time: well inside the wait for db
		synctest.Wait()
		cancel() // Ctrl-C
		canceledAt := time.Now()
		out := <-done

		if !errors.Is(out.err, context.Canceled) {
			t.Fatalf("Up error = %v, want context.Canceled", out.err)
		}
		var failed *backend.ServiceFailedError
		if errors.As(out.err, &failed) {
			t.Errorf("a cancellation is reported as a service failure: %v", out.err)
		}
		if took := time.Since(canceledAt); took > 0 {
			t.Errorf("Up returned %s (fake time) after the cancellation, want at once", took)
		}
		assertNever(t, f.Events(), "start stackctl-migrate-1", "start stackctl-web-1")
	})
}

func TestUpReportsAnImageThatIsMissingAndCannotBePulled(t *testing.T) {
	f := newFakeEngine()
	delete(f.images, "redis:7")
	_, err := newTestOrchestrator(f).Up(testContext(t), testStack(t), backend.UpOptions{})

	var missing *backend.ImageMissingError
	if !errors.As(err, &missing) {
		t.Fatalf("Up error = %v, want an *ImageMissingError", err)
	}
	if missing.Ref != "redis:7" {
		t.Errorf("missing image = %q, want redis:7", missing.Ref)
	}
	for _, want := range []string{"redis:7", "scripts/images.sh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q: %v", want, err)
		}
	}
	events := f.Events()
	position(t, events, "pull redis:7")
	assertNever(t, events, "create ", "start ")
}

func TestUpPullsAnImageThatIsMissing(t *testing.T) {
	f := newFakeEngine()
	f.registry["redis:7"] = f.images["redis:7"]
	delete(f.images, "redis:7")
	mustUp(t, newTestOrchestrator(f), testStack(t))
	assertBefore(t, f.Events(), "pull redis:7", "create stackctl-cache-1")
}

func TestUpReportsTheFailingBuildStep(t *testing.T) {
	f := newFakeEngine()
	f.buildErr = &engine.BuildError{
		Tag:    "stackctl-app:latest",
		Step:   "Step 5/9 : RUN go build -o /app .",
		Output: []string{"./main.go:12:2: undefined: serveHTTP"},
		Err:    errors.New("The command '/bin/sh -c go build -o /app .' returned a non-zero code: 1"),
	}
	_, err := newTestOrchestrator(f).Up(testContext(t), testStack(t), backend.UpOptions{})

	var buildErr *engine.BuildError
	if !errors.As(err, &buildErr) {
		t.Fatalf("Up error = %v, want an *engine.BuildError", err)
	}
	for _, want := range []string{"Step 5/9 : RUN go build", "undefined: serveHTTP"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	assertNever(t, f.Events(), "create ", "start ")
}

// A resource under one of our names that is not ours is an error, and Up
// touches it in no way.
func TestUpRefusesWhatItDoesNotOwn(t *testing.T) {
	tests := []struct {
		name       string
		kind       string
		resource   string
		owner      string
		putItThere func(*fakeEngine)
	}{
		{
			name: "container without labels", kind: "container", resource: "stackctl-db-1",
			putItThere: func(f *fakeEngine) { f.addContainer("stackctl-db-1", "running", nil) },
		},
		{
			name: "container of another project", kind: "container", resource: "stackctl-cache-1", owner: "shop",
			putItThere: func(f *fakeEngine) {
				f.addContainer("stackctl-cache-1", "running", map[string]string{stack.LabelProject: "shop", stack.LabelService: "cache"})
			},
		},
		{
			name: "network without labels", kind: "network", resource: "stackctl_app-network",
			putItThere: func(f *fakeEngine) { f.networks["stackctl_app-network"] = nil },
		},
		{
			name: "volume of another project", kind: "volume", resource: "stackctl_postgres_data", owner: "shop",
			putItThere: func(f *fakeEngine) {
				f.volumes["stackctl_postgres_data"] = map[string]string{stack.LabelProject: "shop"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeEngine()
			tt.putItThere(f)
			_, err := newTestOrchestrator(f).Up(testContext(t), testStack(t), backend.UpOptions{})

			var notOwned *backend.NotOwnedError
			if !errors.As(err, &notOwned) {
				t.Fatalf("Up error = %v, want a *NotOwnedError", err)
			}
			want := backend.NotOwnedError{Kind: tt.kind, Name: tt.resource, Project: "stackctl", Owner: tt.owner}
			if *notOwned != want {
				t.Errorf("error = %+v, want %+v", *notOwned, want)
			}
			for _, e := range f.Events() {
				if strings.Contains(e, " "+tt.resource) {
					t.Errorf("Up touched %s %s: %q", tt.kind, tt.resource, e)
				}
			}
		})
	}
}

func TestUpReportsAPublishedPortInUse(t *testing.T) {
	f := newFakeEngine()
	f.startErr["stackctl-web-1"] = fmt.Errorf("start container stackctl-web-1: %w: Bind for 0.0.0.0:5000 failed: port is already allocated", engine.ErrPortInUse)
	_, err := newTestOrchestrator(f).Up(testContext(t), testStack(t), backend.UpOptions{})

	var inUse *backend.PortInUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("Up error = %v, want a *PortInUseError", err)
	}
	if inUse.Container != "stackctl-web-1" || inUse.Ports != "5000" {
		t.Errorf("error names container %q, ports %q; want stackctl-web-1, 5000", inUse.Container, inUse.Ports)
	}
	if !strings.Contains(err.Error(), "host port 5000 is already in use") {
		t.Errorf("error does not name the port: %v", err)
	}
	if !errors.Is(err, engine.ErrPortInUse) {
		t.Errorf("error does not wrap engine.ErrPortInUse: %v", err)
	}
}

// listMisses is an engine whose listing misses one container, as if someone
// created it just after stackctl looked.
type listMisses struct {
	*fakeEngine
	name string
}

func (e listMisses) ContainerList(ctx context.Context, labels map[string]string) ([]engine.ContainerSummary, error) {
	list, err := e.fakeEngine.ContainerList(ctx, labels)
	return slices.DeleteFunc(list, func(c engine.ContainerSummary) bool { return c.Name == e.name }), err
}

// A name taken between planning and creating is someone else's container:
// the engine's conflict becomes a NotOwnedError, and that container stays.
func TestUpTreatsANameConflictOnCreateAsNotOwned(t *testing.T) {
	f := newFakeEngine()
	f.addContainer("stackctl-web-1", "running", nil)
	_, err := orchestrated(listMisses{f, "stackctl-web-1"}, nil).Up(testContext(t), testStack(t), backend.UpOptions{})

	var notOwned *backend.NotOwnedError
	if !errors.As(err, &notOwned) || notOwned.Kind != "container" || notOwned.Name != "stackctl-web-1" {
		t.Fatalf("Up error = %v, want a *backend.NotOwnedError for container stackctl-web-1", err)
	}
	assertNever(t, f.Events(), "stop stackctl-web-1", "remove stackctl-web-1", "start stackctl-web-1", "rename stackctl-web-1")
	if !f.exists("stackctl-web-1") {
		t.Error("the other container stackctl-web-1 is gone")
	}
}
