package swarm

import (
	"slices"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// A slot whose latest task failed fails the wait; one whose failed task was
// replaced by a newer one does not.
func TestLastFailedLooksAtEachSlotsLatestTask(t *testing.T) {
	at := func(s int) time.Time { return time.Unix(int64(s), 0) }
	recovered := []engine.Task{
		{ID: "a", Slot: 1, State: "failed", Created: at(1)},
		{ID: "b", Slot: 1, State: "running", Created: at(2)},
		{ID: "c", Slot: 2, State: "running", Created: at(1)},
	}
	if task, failed := lastFailed(recovered, false); failed {
		t.Errorf("lastFailed = %s, want none: each slot's latest task runs", task.ID)
	}
	failing := append(slices.Clone(recovered), engine.Task{ID: "d", Slot: 2, State: "rejected", Created: at(3)})
	if task, failed := lastFailed(failing, false); !failed || task.ID != "d" {
		t.Errorf("lastFailed = %s, %v; want d, slot 2's latest, rejected", task.ID, failed)
	}
	// A service's task that ended was stopped; a job's that completed is
	// its success.
	ended := []engine.Task{{ID: "e", Slot: 1, State: "complete", Created: at(1)}}
	if task, failed := lastFailed(ended, false); !failed || task.ID != "e" {
		t.Errorf("lastFailed of a service's ended task = %s, %v; want e", task.ID, failed)
	}
	if task, failed := lastFailed(ended, true); failed {
		t.Errorf("lastFailed of a job's completed task = %s, want none", task.ID)
	}
}

// An image pushed to a registry keeps its repository and tag, without the
// registry it came from.
func TestRepositoryDropsTheRegistryHost(t *testing.T) {
	for ref, want := range map[string]string{
		"postgres:15":                      "postgres:15",
		"docker.io/library/postgres:15":    "postgres:15",
		"localhost:5000/team/app:1":        "team/app:1",
		"stackctl-app:latest":              "stackctl-app:latest",
		"ghcr.io/owner/tool@sha256:abcdef": "owner/tool@sha256:abcdef",
	} {
		if got := repository(ref); got != want {
			t.Errorf("repository(%q) = %q, want %q", ref, got, want)
		}
	}
}

// A service that keeps data says, as it is created, that it is pinned to
// its node and updated stop-first; a stateless one says neither.
func TestCreateDetailSaysWhereDataStays(t *testing.T) {
	st := stacktest.Builtin(t, stacktest.Options{Project: "p", Shape: stack.Shape{Distributed: true}})
	d := Deploy{EndpointMode: "dnsrr", Pin: NodeLabel{Key: pinLabelPrefix + "p", Value: "true"}, SecretIDs: map[string]string{"postgres_password": "s1"}}
	for name, want := range map[string]string{
		"db":    "1 replicas, pinned to the node that keeps its data, updated stop-first",
		"cache": "1 replicas",
	} {
		svc, _ := st.Service(name)
		spec, err := ServiceSpec(st, svc, "h", d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := createDetail(svc, spec); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}
