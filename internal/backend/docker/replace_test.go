package docker

import (
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// replicasStack is one service, kv, of two replicas running command, with
// ports.
func replicasStack(command string, ports []stack.Port) *stack.Stack {
	return &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "kv", Image: "redis:7", Replicas: 2, Command: []string{command}, Ports: ports},
	}}
}

// at is the index of the first event that begins with prefix, or -1.
func at(events []string, prefix string) int {
	return slices.IndexFunc(events, func(e string) bool { return strings.HasPrefix(e, prefix) })
}

// A changed service of several replicas with no edge is replaced one
// replica at a time: start-first (the new one runs before the old one
// stops), or, when it binds host ports its range may have none free of,
// stop-first.
func TestUpReplacesReplicasWithoutAnEdgeOneAtATime(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ports      []stack.Port
		startFirst bool
	}{
		{"no host port: start-first", nil, true},
		{"a host port range: stop-first", []stack.Port{{HostPort: 8000, HostPortEnd: 8001, ContainerPort: 6379, Protocol: "tcp"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEngine()
			o := newTestOrchestrator(f)
			mustUp(t, o, replicasStack("v1", tc.ports))
			from := len(f.Events())
			mustUp(t, o, replicasStack("v2", tc.ports))
			events := f.Events()[from:]
			for n := 1; n <= 2; n++ {
				replica := "p-kv-" + string(rune('0'+n))
				started, stopped := at(events, "start "+replica), at(events, "stop "+replica+"-")
				if started < 0 || stopped < 0 {
					t.Fatalf("%s: its new container started at %d, its old one stopped at %d:\n%s", replica, started, stopped, strings.Join(events, "\n"))
				}
				if (started < stopped) != tc.startFirst {
					t.Errorf("%s: its new container started at %d, its old one stopped at %d; want start-first %v", replica, started, stopped, tc.startFirst)
				}
				if n == 2 && at(events, "create "+replica) < max(at(events, "start p-kv-1"), at(events, "stop p-kv-1-")) {
					t.Errorf("replica 2 was replaced while replica 1 was:\n%s", strings.Join(events, "\n"))
				}
			}
		})
	}
}
