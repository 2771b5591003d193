package stack_test

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// The dependency set: transitive, with the edge of a dependency behind one,
// never the service itself or its dependents.
func TestDependencyStack(t *testing.T) {
	st := &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "a", DependsOn: []stack.Dependency{{Service: "b"}}},
		{Name: "b", DependsOn: []stack.Dependency{{Service: "c"}}},
		{Name: "c"},
		{Name: "c-edge", LoadBalancer: &stack.LoadBalancer{Target: "c"}, DependsOn: []stack.Dependency{{Service: "c"}}},
		{Name: "d", DependsOn: []stack.Dependency{{Service: "a"}}},
	}}
	a, _ := st.Service("a")
	if got := st.DependencyStack(a).ServiceNames(); !slices.Equal(got, []string{"b", "c", "c-edge"}) {
		t.Errorf("dependencies of a = %q, want b, c, c-edge", got)
	}
	c, _ := st.Service("c")
	if got := st.DependencyStack(c).ServiceNames(); len(got) != 0 {
		t.Errorf("dependencies of c = %q, want none", got)
	}
}
