package docker

import (
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// PS lists only the project's containers, in start order, with their
// restart policies as Compose writes them.
func TestPSListsTheProjectInStartOrder(t *testing.T) {
	f, o, st := upStack(t)
	f.addContainer("stranger", "running", nil)

	got, err := o.PS(testContext(t), st)
	if err != nil {
		t.Fatalf("PS: %v", err)
	}
	want := []struct{ service, name, state, restart string }{
		// Independent services in name order (compose-go keeps no
		// declaration order), dependents after their dependencies.
		{"cache", "stackctl-cache-1", "running", "always"},
		{"db", "stackctl-db-1", "running", "always"},
		{"migrate", "stackctl-migrate-1", "exited", "on-failure:3"},
		{"web", "stackctl-web-1", "running", "unless-stopped"},
	}
	if len(got) != len(want) {
		t.Fatalf("PS lists %d containers, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		c := got[i]
		if c.Service != w.service || c.Name != w.name || c.State != w.state || c.RestartPolicy != w.restart {
			t.Errorf("PS[%d] = %s %s %s %s, want %s %s %s %s", i,
				c.Service, c.Name, c.State, c.RestartPolicy, w.service, w.name, w.state, w.restart)
		}
	}
	if web := got[3]; len(web.Ports) != 1 || web.Ports[0] != (stack.Port{HostPort: 5000, ContainerPort: 5000, Protocol: "tcp"}) {
		t.Errorf("web ports = %+v, want 5000:5000/tcp", web.Ports)
	}
}
