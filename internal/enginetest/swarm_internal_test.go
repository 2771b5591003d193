package enginetest

import (
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
)

// TestSwarmRefusesAForeignSwarmAndTakesDownALeftOne checks the harness's
// look at the host engine before it makes a swarm: a swarm it did not make
// (no label of its own) is refused and left as it is; one an earlier run
// made and never cleaned up is left, so the run can go on.
func TestSwarmRefusesAForeignSwarmAndTakesDownALeftOne(t *testing.T) {
	Connect(t)
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	lockSwarm(t)
	ctx := Context(t, 2*time.Minute)
	if err := takeDownLeftSwarm(ctx, t, api); err != nil {
		t.Fatal(err)
	}
	addr, err := advertiseAddr(ctx, api)
	if err != nil {
		t.Fatal(err)
	}
	gwbridgeBefore, err := networkExists(ctx, api, gwbridge)
	if err != nil {
		t.Fatal(err)
	}
	// Runs before the lock's release: the host leaves whatever is left.
	t.Cleanup(func() { leaveHostSwarm(t, api, gwbridgeBefore) })

	foreign, err := api.SwarmInit(ctx, swarm.InitRequest{ListenAddr: addr, AdvertiseAddr: addr})
	if err != nil {
		t.Fatalf("make a swarm with no label: %v", err)
	}
	err = takeDownLeftSwarm(ctx, t, api)
	if err == nil || !strings.Contains(err.Error(), "did not make") || !strings.Contains(err.Error(), foreign) {
		t.Errorf("a swarm the harness did not make: error %v, want a refusal naming node %s", err, foreign)
	}
	if info, err := api.Info(ctx); err != nil || info.Swarm.NodeID != foreign || info.Swarm.LocalNodeState != swarm.LocalNodeStateActive {
		t.Errorf("after the refusal the host engine is node %q, %q (info: %v); want still node %s, active", info.Swarm.NodeID, info.Swarm.LocalNodeState, err, foreign)
	}
	if err := api.SwarmLeave(ctx, true); err != nil {
		t.Fatal(err)
	}

	if _, err := api.SwarmInit(ctx, swarm.InitRequest{
		ListenAddr: addr, AdvertiseAddr: addr,
		Spec: swarm.Spec{Annotations: swarm.Annotations{Labels: map[string]string{DindLabel: swarmLabelValue}}},
	}); err != nil {
		t.Fatalf("make a swarm labelled as the harness's: %v", err)
	}
	if err := takeDownLeftSwarm(ctx, t, api); err != nil {
		t.Errorf("a swarm an earlier run left: %v, want it taken down", err)
	}
	if info, err := api.Info(ctx); err != nil || info.Swarm.LocalNodeState != swarm.LocalNodeStateInactive {
		t.Errorf("the host engine's swarm state is %q (info: %v), want inactive", info.Swarm.LocalNodeState, err)
	}
}
