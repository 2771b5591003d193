package images

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// A pre_start hook's own image is one the stack needs, pulled with no
// build and no pull policy of the service's; a hook on the service's image
// adds nothing.
func TestPreStartHookImagesAreNeeded(t *testing.T) {
	st := &stack.Stack{Services: []stack.Service{
		{Name: "app", Image: "p-app", Build: &stack.Build{}, PullPolicy: "build", PreStart: []stack.PreStartHook{
			{Command: []string{"init"}}, {Image: "alpine"}, {Image: "postgres:15"},
		}},
		{Name: "db", Image: "postgres:15"},
	}}
	work, index := workOf(st)
	if len(work) != 3 {
		t.Fatalf("work = %+v, want p-app, postgres:15 and alpine", work)
	}
	alpine := work[index["alpine"]]
	if alpine.ref != "alpine" || alpine.build != nil || alpine.policy != "" || !slices.Equal(alpine.services, []string{"app"}) {
		t.Errorf("alpine = %+v, want pulled for app's hook", alpine)
	}
	if pg := work[index["postgres:15"]]; !slices.Equal(pg.services, []string{"db", "app"}) {
		t.Errorf("postgres:15 is for %q, want db and app's hook", pg.services)
	}
}
