package docker

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// twoReplicas is a stack of one service, kv, with two replicas.
func twoReplicas() *stack.Stack {
	return &stack.Stack{Project: "p", Services: []stack.Service{{Name: "kv", Image: "redis:7", Replicas: 2}}}
}

func TestExecUnknownServiceListsTheServices(t *testing.T) {
	_, o, st := upStack(t)
	_, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "nope", Cmd: []string{"true"}})
	if !errors.Is(err, backend.ErrUnknownService) {
		t.Fatalf("error = %v, want ErrUnknownService", err)
	}
	for _, name := range st.ServiceNames() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list service %s", err, name)
		}
	}
}

func TestExecServiceWithoutContainerSaysUp(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	_, err := o.Exec(testContext(t), testStack(t), backend.ExecOptions{Service: "cache", Cmd: []string{"true"}})
	if !errors.Is(err, backend.ErrNotRunning) || !strings.Contains(err.Error(), "stackctl up") {
		t.Fatalf("error = %v, want backend.ErrNotRunning that says `stackctl up`", err)
	}
	assertNever(t, f.Events(), "exec-attached")
}

func TestExecStoppedServiceSaysUp(t *testing.T) {
	f, o, st := upStack(t)
	if err := o.Stop(testContext(t), st, []string{"web"}, 0); err != nil {
		t.Fatal(err)
	}
	_, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "web", Cmd: []string{"true"}})
	if !errors.Is(err, backend.ErrNotRunning) || !strings.Contains(err.Error(), "stackctl up") || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("error = %v, want backend.ErrNotRunning naming the state and `stackctl up`", err)
	}
	assertNever(t, f.Events(), "exec-attached")
}

func TestExecPassesTheExitCodeAndOutputOn(t *testing.T) {
	f, o, st := upStack(t)
	var out bytes.Buffer
	code, err := o.Exec(testContext(t), st, backend.ExecOptions{
		Service: "cache", Cmd: []string{"sh", "-c", "exit 3"}, Stdio: engine.Stdio{Out: &out},
	})
	if err != nil || code != 3 {
		t.Fatalf("Exec = %d, %v; want exit code 3", code, err)
	}
	if got, want := out.String(), "stackctl-cache-1: sh -c exit 3\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	position(t, f.Events(), "exec-attached stackctl-cache-1 sh -c exit 3")
}

func TestExecIndexPicksTheReplica(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := twoReplicas()
	mustUp(t, o, st)
	if _, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "kv", Index: 2, Cmd: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "kv", Cmd: []string{"date"}}); err != nil {
		t.Fatal(err)
	}
	position(t, f.Events(), "exec-attached p-kv-2 true")
	position(t, f.Events(), "exec-attached p-kv-1 date")
}

func TestExecIndexOutOfRange(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := twoReplicas()
	mustUp(t, o, st)
	for _, index := range []int{3, -1} {
		_, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "kv", Index: index, Cmd: []string{"true"}})
		if !errors.Is(err, backend.ErrNoSuchReplica) || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("--index %d: error = %v, want backend.ErrNoSuchReplica, out of range", index, err)
		}
	}
	_, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "kv", Index: 3, Cmd: []string{"true"}})
	if err == nil || !strings.Contains(err.Error(), "its replicas: 1, 2") {
		t.Errorf("error = %v, want it to name the replicas", err)
	}
	assertNever(t, f.Events(), "exec-attached")
}

// The first running replica is chosen: a stopped first one is passed over.
func TestExecSkipsAStoppedReplica(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := twoReplicas()
	mustUp(t, o, st)
	f.set("p-kv-1", exitWith(0))
	if _, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "kv", Cmd: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	position(t, f.Events(), "exec-attached p-kv-2 true")
	_, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "kv", Index: 1, Cmd: []string{"true"}})
	if !errors.Is(err, backend.ErrNotRunning) {
		t.Errorf("--index 1 of a stopped replica: error = %v, want ErrNotRunning", err)
	}
}

// A running one-off container of run is none of the service's replicas:
// exec does not run in it.
func TestExecNeverPicksAOneOff(t *testing.T) {
	f, o, st := upStack(t)
	if err := o.Stop(testContext(t), st, []string{"cache"}, 0); err != nil {
		t.Fatal(err)
	}
	f.addContainer("stackctl-cache-run-abcdef", "running", map[string]string{
		stack.LabelProject: "stackctl", stack.LabelService: "cache", stack.LabelOneOff: "true",
	})
	_, err := o.Exec(testContext(t), st, backend.ExecOptions{Service: "cache", Cmd: []string{"true"}})
	if !errors.Is(err, backend.ErrNotRunning) {
		t.Fatalf("error = %v, want ErrNotRunning", err)
	}
	assertNever(t, f.Events(), "exec-attached")
}
