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

// up SERVICE: the service, its edge, and (unless --no-deps) what it
// depends on; without them, its depends_on names only what was selected.
func TestSelect(t *testing.T) {
	st := &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "a", DependsOn: []stack.Dependency{{Service: "b"}}},
		{Name: "a-edge", LoadBalancer: &stack.LoadBalancer{Target: "a"}, DependsOn: []stack.Dependency{{Service: "a"}}},
		{Name: "b", DependsOn: []stack.Dependency{{Service: "c"}}},
		{Name: "c"},
		{Name: "d", DependsOn: []stack.Dependency{{Service: "a"}}},
	}}
	if got := st.Select([]string{"a"}, true).ServiceNames(); !slices.Equal(got, []string{"a", "a-edge", "b", "c"}) {
		t.Errorf("select a = %q, want a, its edge, b and c", got)
	}
	alone := st.Select([]string{"a"}, false)
	if got := alone.ServiceNames(); !slices.Equal(got, []string{"a", "a-edge"}) {
		t.Errorf("select a --no-deps = %q, want a and its edge", got)
	}
	if a, _ := alone.Service("a"); len(a.DependsOn) != 0 {
		t.Errorf("a --no-deps still depends on %v", a.DependsOn)
	}
	if a, _ := st.Service("a"); len(a.DependsOn) != 1 {
		t.Errorf("selecting changed the stack itself: a depends on %v", a.DependsOn)
	}
	if _, err := alone.StartOrder(); err != nil {
		t.Errorf("the selection does not order: %v", err)
	}
}
