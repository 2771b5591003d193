package docker

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// listAfterInspect is a fake engine whose project list answers only once
// a container has been inspected: a ps that inspects only after its list
// never gets the list.
type listAfterInspect struct {
	*fakeEngine
	inspected chan struct{}
}

func (e *listAfterInspect) ContainerInspect(ctx context.Context, ref string) (engine.Container, error) {
	select {
	case e.inspected <- struct{}{}:
	default:
	}
	return e.fakeEngine.ContainerInspect(ctx, ref)
}

func (e *listAfterInspect) ContainerList(ctx context.Context, labels map[string]string) ([]engine.ContainerSummary, error) {
	select {
	case <-e.inspected:
		return e.fakeEngine.ContainerList(ctx, labels)
	case <-time.After(2 * time.Second):
		return nil, errors.New("listed before any known container was inspected")
	}
}

// Known containers are inspected while the list is made, and the result
// is PS's: a known container that is gone is left out, a listed one that
// was not known is there.
func TestPSKnowingInspectsKnownContainersWhileListing(t *testing.T) {
	f, o, st := upStack(t)
	want, err := o.PS(testContext(t), st)
	if err != nil {
		t.Fatalf("PS: %v", err)
	}
	f.addContainer("stackctl-web-9", "running", map[string]string{stack.LabelProject: st.Project, stack.LabelService: "web", stack.LabelReplica: "9"})
	known := []string{want[0].ID, want[1].ID, "0123456789ab-gone"}

	b := New(&listAfterInspect{fakeEngine: f, inspected: make(chan struct{}, 1)}, nil)
	got, err := b.PSKnowing(testContext(t), st, known)
	if err != nil {
		t.Fatalf("PSKnowing: %v", err)
	}
	names := func(cs []orchestrator.ContainerStatus) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	wantNames := append(names(want), "stackctl-web-9")
	if !slices.Equal(names(got), wantNames) {
		t.Errorf("PSKnowing lists %v, want %v", names(got), wantNames)
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].State != want[i].State || got[i].RestartPolicy != want[i].RestartPolicy {
			t.Errorf("PSKnowing[%d] = %+v, want PS's %+v", i, got[i], want[i])
		}
	}
}
