package docker

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/orchestrator"
)

func TestEventsAreTheNamedServicesWithoutComposesLabels(t *testing.T) {
	_, o, st := upStack(t)
	ctx := testContext(t)
	var got []backend.Event
	err := o.Events(ctx, st, backend.EventsOptions{Services: []string{"cache", "db"}, Consumer: func(e backend.Event) error {
		got = append(got, e)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var services []string
	for _, e := range got {
		services = append(services, e.Service)
		if e.Action != "start" || e.Container == "" || e.Attributes["name"] == "" {
			t.Errorf("event %+v: want a start with the container's ID and name", e)
		}
		for k := range e.Attributes {
			if strings.HasPrefix(k, "com.docker.compose.") {
				t.Errorf("event of %s keeps Compose's label %s", e.Service, k)
			}
		}
		if e.Attributes["io.stackctl.service"] != e.Service {
			t.Errorf("event of %s: attributes %v lack the container's own labels", e.Service, e.Attributes)
		}
	}
	slices.Sort(services)
	if !slices.Equal(services, []string{"cache", "db"}) {
		t.Errorf("events of %v, want cache's and db's only", services)
	}
	if err := o.Events(ctx, st, backend.EventsOptions{Services: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("events of an unknown service: %v, want an error naming it", err)
	}
}

func TestStatsSamplesRunningContainersOrAllWithZeros(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	if err := o.Stop(ctx, st, []string{"web"}, 0); err != nil {
		t.Fatal(err)
	}
	sample := func(all bool) []backend.Usage {
		var rounds [][]backend.Usage
		err := o.Stats(ctx, st, backend.StatsOptions{Services: []string{"web", "cache"}, All: all, Consumer: func(u []backend.Usage) error {
			rounds = append(rounds, u)
			return nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rounds) != 1 {
			t.Fatalf("%d rounds without Stream, want 1", len(rounds))
		}
		return rounds[0]
	}
	running := sample(false)
	if len(running) != 1 || running[0].Name != "stackctl-cache-1" || running[0].PIDs != 1 {
		t.Errorf("stats = %+v, want cache's sample only (web is stopped)", running)
	}
	all := sample(true)
	if len(all) != 2 {
		t.Fatalf("stats -a = %+v, want web and cache", all)
	}
	for _, u := range all {
		if u.Service == "web" && (u.PIDs != 0 || u.CPUPercent != 0) {
			t.Errorf("stopped web sampled as %+v, want zeros", u)
		}
	}
	assertNever(t, f.Events(), "usage stackctl-web-1", "usage stackctl-db-1")
}

func TestAttachRefusesAStoppedContainerNamingStart(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	code, err := o.Attach(ctx, st, backend.AttachOptions{Service: "cache"})
	if err != nil || code != 0 {
		t.Fatalf("attach cache = %d, %v", code, err)
	}
	position(t, f.Events(), "attach stackctl-cache-1")
	if err := o.Stop(ctx, st, []string{"cache"}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = o.Attach(ctx, st, backend.AttachOptions{Service: "cache"})
	if !errors.Is(err, backend.ErrNotRunning) || !strings.Contains(err.Error(), "stackctl start cache") {
		t.Errorf("attach to stopped cache: %v, want ErrNotRunning naming stackctl start", err)
	}
}

func TestPullNamesTheImageAndTheRegistryItTried(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	err := o.Pull(ctx, st, backend.PullOptions{Services: []string{"cache"}})
	if err == nil || !strings.Contains(err.Error(), "redis:7") || !strings.Contains(err.Error(), "registry docker.io") {
		t.Errorf("pull cache: %v, want an error naming redis:7 and docker.io", err)
	}
	position(t, f.Events(), "pull redis:7")
	assertNever(t, f.Events(), "pull postgres:15")
	if err := o.Pull(ctx, st, backend.PullOptions{Services: []string{"cache"}, IgnoreFailures: true}); err != nil {
		t.Errorf("pull --ignore-pull-failures: %v", err)
	}
}

func TestPushPushesOnlyBuiltImages(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	err := o.Push(ctx, st, backend.PushOptions{})
	svc, _ := st.Service("web")
	web := svc.Image
	if err == nil || !strings.Contains(err.Error(), web) || !strings.Contains(err.Error(), "registry docker.io") {
		t.Errorf("push: %v, want an error naming %s and docker.io", err, web)
	}
	position(t, f.Events(), "push "+web)
	assertNever(t, f.Events(), "push redis:7", "push postgres:15")
	if err := o.Push(ctx, st, backend.PushOptions{Services: []string{"cache"}}); err != nil {
		t.Errorf("push of a service with no build: %v, want nothing done", err)
	}
}

func TestDownRmiRemovesTheBuiltImagesOrAll(t *testing.T) {
	for _, tt := range []struct {
		rmi        string
		want, keep []string
	}{
		{rmi: backend.RmiLocal, want: []string{"stackctl-web"}, keep: []string{"redis:7", "postgres:15"}},
		{rmi: backend.RmiAll, want: []string{"stackctl-web", "redis:7", "postgres:15"}},
		{rmi: "", keep: []string{"stackctl-web", "redis:7", "postgres:15"}},
	} {
		t.Run(tt.rmi, func(t *testing.T) {
			// web builds under Compose's default name, as when the file
			// names no image.
			f, o, st := newFakeEngine(), (*orchestrator.Orchestrator)(nil), testStack(t)
			o = newTestOrchestrator(f)
			for i := range st.Services {
				if st.Services[i].Name == "web" {
					st.Services[i].Image = "stackctl-web"
				}
			}
			mustUp(t, o, st)
			if err := o.Down(testContext(t), st, backend.DownOptions{Images: tt.rmi}); err != nil {
				t.Fatal(err)
			}
			for _, ref := range tt.want {
				position(t, f.Events(), "image-remove "+ref)
			}
			for _, ref := range tt.keep {
				assertNever(t, f.Events(), "image-remove "+ref)
			}
		})
	}
}

// A stream samples round after round, each listing the containers anew,
// until the consumer says stop.
func TestStatsStreamsRoundsUntilTheConsumerStops(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	stop := errors.New("enough")
	rounds := 0
	err := o.Stats(ctx, st, backend.StatsOptions{Services: []string{"cache"}, Stream: true, Consumer: func(u []backend.Usage) error {
		rounds++
		if len(u) != 1 || u[0].Service != "cache" {
			t.Errorf("round %d: %+v, want cache's sample", rounds, u)
		}
		if rounds == 3 {
			return stop
		}
		return nil
	}})
	if !errors.Is(err, stop) || rounds != 3 {
		t.Errorf("stats stream: %v after %d rounds, want the consumer's error after 3", err, rounds)
	}
	if n := f.count("usage stackctl-cache-1"); n != 3 {
		t.Errorf("cache sampled %d times, want once a round", n)
	}
}
