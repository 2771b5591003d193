package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/orchestrator"
)

// heldNetworks is the fake engine with network creation held until
// release is closed; then it fails with err, when set.
type heldNetworks struct {
	*fakeEngine
	release chan struct{}
	err     error
}

func (e *heldNetworks) NetworkCreate(ctx context.Context, name, driver string, labels map[string]string) error {
	select {
	case <-e.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	if e.err != nil {
		return fmt.Errorf("create network %s: %w", name, e.err)
	}
	return e.fakeEngine.NetworkCreate(ctx, name, driver, labels)
}

func orchestratedHeldNetworks(f *fakeEngine, failWith error) (*orchestrator.Orchestrator, *heldNetworks) {
	eng := &heldNetworks{fakeEngine: f, release: make(chan struct{}), err: failWith}
	b := New(eng, nil)
	b.probeGap = time.Millisecond
	return orchestrator.New(b, nil), eng
}

// containerEvents are the fake's events of one verb on containers
// ("create", "start"), excluding the project lock's.
func containerEvents(f *fakeEngine, verb string) []string {
	var out []string
	for _, e := range f.Events() {
		if strings.HasPrefix(e, verb+" stackctl-") {
			out = append(out, e)
		}
	}
	return out
}

// awaitCreates waits until the fake has created n of the stack's
// containers.
func awaitCreates(t *testing.T, f *fakeEngine, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(containerEvents(f, "create")) < n {
		if time.Now().After(deadline) {
			t.Fatalf("created %v, want %d containers; events: %v", containerEvents(f, "create"), n, f.Events())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestUpCreatesContainersWhileTheNetworkIsMadeAndStartsThemOnceItIs(t *testing.T) {
	f := newFakeEngine()
	st := testStack(t)
	o, eng := orchestratedHeldNetworks(f, nil)
	done := goUp(testContext(t), o, st, orchestrator.UpOptions{})

	awaitCreates(t, f, len(st.Services))
	if started := containerEvents(f, "start"); len(started) > 0 {
		t.Fatalf("started %v before the network existed", started)
	}
	close(eng.release)
	if out := <-done; out.err != nil {
		t.Fatalf("Up: %v", out.err)
	}

	events := f.Events()
	made := slices.Index(events, "create network stackctl_app-network")
	if made < 0 {
		t.Fatalf("the network was never made: %v", events)
	}
	started := containerEvents(f, "start")
	if len(started) != len(st.Services) {
		t.Fatalf("started %v, want every service's container", started)
	}
	for _, s := range started {
		if slices.Index(events, s) < made {
			t.Errorf("%s came before the network was made: %v", s, events)
		}
	}
}

func TestUpThatFailsToMakeTheNetworkStartsNothingAndTheNextUpConverges(t *testing.T) {
	f := newFakeEngine()
	st := testStack(t)
	o, eng := orchestratedHeldNetworks(f, errors.New("no available IPv4 address pool"))
	close(eng.release)

	_, err := o.Up(testContext(t), st, orchestrator.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "create network stackctl_app-network: no available IPv4 address pool") {
		t.Fatalf("Up: got %v, want the network's failure, named", err)
	}
	if started := containerEvents(f, "start"); len(started) > 0 {
		t.Fatalf("started %v without their network", started)
	}

	res := mustUp(t, newTestOrchestrator(f), st)
	if !res.Changed {
		t.Error("the second up reports no change, though it made the network and started the containers")
	}
	if _, ok := f.networks["stackctl_app-network"]; !ok {
		t.Fatal("the second up did not make the network")
	}
	if created := containerEvents(f, "create"); len(created) != len(st.Services) {
		t.Errorf("created %v over both runs, want each service's container once", created)
	}
	for _, c := range res.Containers {
		if c.State != "running" && c.State != "exited" {
			t.Errorf("%s is %s after the second up", c.Name, c.State)
		}
	}
}
