package images

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// order is buildsFirst of st's services, one image each, by service name.
func order(st *stack.Stack) map[string][]string {
	work, index := workOf(st)
	out := map[string][]string{}
	for i, after := range buildsFirst(st, work, index) {
		for _, j := range after {
			out[work[i].services[0]] = append(out[work[i].services[0]], work[j].services[0])
		}
		slices.Sort(out[work[i].services[0]])
	}
	return out
}

// A build waits for the builds of the services its service depends on,
// not for a pulled image's service nor for services it does not depend on.
func TestABuildWaitsForTheBuildsOfItsDependencies(t *testing.T) {
	st := &stack.Stack{Services: []stack.Service{
		{Name: "base", Image: "base", Build: &stack.Build{}},
		{Name: "db", Image: "postgres:15"},
		{Name: "app", Image: "p-app", Build: &stack.Build{},
			DependsOn: []stack.Dependency{{Service: "base"}, {Service: "db"}}},
		{Name: "other", Image: "p-other", Build: &stack.Build{}},
	}}
	got := order(st)
	if len(got) != 1 || !slices.Equal(got["app"], []string{"base"}) {
		t.Errorf("waits %v, want only app waiting for base", got)
	}
}

// Services sharing images can make the waits circular: then no build
// waits, rather than none ending.
func TestCircularWaitsAreDropped(t *testing.T) {
	st := &stack.Stack{Services: []stack.Service{
		{Name: "a", Image: "x", Build: &stack.Build{}, DependsOn: []stack.Dependency{{Service: "b"}}},
		{Name: "b", Image: "y", Build: &stack.Build{}},
		{Name: "c", Image: "y", Build: &stack.Build{}, DependsOn: []stack.Dependency{{Service: "d"}}},
		{Name: "d", Image: "x", Build: &stack.Build{}},
	}}
	work, index := workOf(st)
	for i, after := range buildsFirst(st, work, index) {
		if len(after) > 0 {
			t.Errorf("the build of %s waits for %v: the waits are circular", work[i].ref, after)
		}
	}
}
