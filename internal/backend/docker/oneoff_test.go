package docker

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// oneOffLabels are the labels run gives a one-off container of service.
func oneOffLabels(st *stack.Stack, service string) map[string]string {
	return map[string]string{stack.LabelProject: st.Project, stack.LabelService: service, stack.LabelOneOff: "true"}
}

// A one-off container is its service's but none of its replicas: up
// neither removes it nor counts it toward the scale, start does not start
// it, stop does not stop it, kill does not pick it, ps marks it; down
// removes it with everything else of the project.
func TestOneOffIsLeftAloneByUpAndRemovedByDown(t *testing.T) {
	f, o, st := upStack(t)
	const exited, running = "stackctl-cache-run-0a1b2c", "stackctl-cache-run-3d4e5f"
	f.addContainer(exited, "exited", oneOffLabels(st, "cache"))
	f.addContainer(running, "running", oneOffLabels(st, "cache"))
	before := len(f.Events())

	deployed, err := o.Deployed(testContext(t), st.Project)
	if err != nil || deployed.Replicas["cache"] != 1 {
		t.Errorf("deployed cache replicas = %d, %v; want 1 (one-offs are none)", deployed.Replicas["cache"], err)
	}
	again, err := o.Up(testContext(t), st, backend.UpOptions{})
	if err != nil || again.Changed {
		t.Errorf("up with one-offs about: changed %v, err %v; want nothing to do", again.Changed, err)
	}
	if err := o.Restart(testContext(t), st, []string{"cache"}, 0, 0); err != nil {
		t.Fatal(err)
	}
	if _, c, err := backendOf(o).pickContainer(testContext(t), st, "cache", ""); err != nil || c.Name != "stackctl-cache-1" {
		t.Errorf("kill picks %s, %v; want stackctl-cache-1", c.Name, err)
	}
	assertNever(t, f.Events()[before:], "start "+exited, "stop "+running, "remove "+exited, "remove "+running)

	ps, err := o.PS(testContext(t), st)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{exited, running} {
		i := slices.IndexFunc(ps, func(c backend.ContainerStatus) bool { return c.Name == name })
		if i < 0 || !ps[i].OneOff || ps[i].Service != "cache" {
			t.Errorf("ps: %+v; want %s listed as cache's, marked one-off", ps, name)
		}
	}

	// Down removes every container labelled with the project, one-offs
	// included: it needs nothing of its own for them.
	if err := o.Down(testContext(t), st, backend.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.exists(exited) || f.exists(running) {
		t.Errorf("down left a one-off: %v", f.Events())
	}
}
