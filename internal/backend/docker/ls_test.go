package docker

import (
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// composeProjectContainer puts a container of a Compose project on the
// engine, in state, as any compose tool would have made it.
func composeProjectContainer(t *testing.T, f *fakeEngine, name, project, state string, labels map[string]string) {
	t.Helper()
	all := map[string]string{stack.LabelComposeProject: project, stack.LabelComposeConfigHash: "0123"}
	for k, v := range labels {
		all[k] = v
	}
	if _, err := f.ContainerCreate(t.Context(), engine.ContainerSpec{Name: name, Image: "redis:7", Labels: all}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.containers[name].Status = state
	f.mu.Unlock()
}

func TestListCountsStatesAsCompose(t *testing.T) {
	f := newFakeEngine()
	files := map[string]string{stack.LabelComposeConfigFiles: "/src/a/compose.yaml,/src/a/override.yaml"}
	composeProjectContainer(t, f, "alpha-web-1", "alpha", "running", files)
	composeProjectContainer(t, f, "alpha-web-2", "alpha", "running", files)
	composeProjectContainer(t, f, "alpha-db-1", "alpha", "exited", map[string]string{stack.LabelComposeConfigFiles: "/src/a/compose.yaml,/src/a/db.yaml"})
	composeProjectContainer(t, f, "beta-app-1", "beta", "exited", map[string]string{stack.LabelComposeConfigFiles: "/src/b/compose.yaml"})
	composeProjectContainer(t, f, "gamma-app-1", "gamma", "paused", nil)
	// Neither Compose's config hash nor its project label: not a project's.
	if _, err := f.ContainerCreate(t.Context(), engine.ContainerSpec{Name: "loose", Image: "redis:7", Labels: map[string]string{stack.LabelComposeProject: "loose"}}); err != nil {
		t.Fatal(err)
	}
	b := New(f, nil)

	cases := []struct {
		opts backend.ListOptions
		want []backend.ProjectSummary
	}{
		{backend.ListOptions{}, []backend.ProjectSummary{
			{Name: "alpha", Status: "running(2)", ConfigFiles: "/src/a/compose.yaml,/src/a/override.yaml"},
			{Name: "gamma", Status: "paused(1)", ConfigFiles: "N/A"},
		}},
		{backend.ListOptions{All: true}, []backend.ProjectSummary{
			{Name: "alpha", Status: "exited(1), running(2)", ConfigFiles: "/src/a/compose.yaml,/src/a/db.yaml,/src/a/override.yaml"},
			{Name: "beta", Status: "exited(1)", ConfigFiles: "/src/b/compose.yaml"},
			{Name: "gamma", Status: "paused(1)", ConfigFiles: "N/A"},
		}},
		{backend.ListOptions{All: true, Names: []string{"beta"}}, []backend.ProjectSummary{
			{Name: "beta", Status: "exited(1)", ConfigFiles: "/src/b/compose.yaml"},
		}},
		// Unanchored regular expressions, any of several.
		{backend.ListOptions{All: true, Names: []string{"^al", "mm"}}, []backend.ProjectSummary{
			{Name: "alpha", Status: "exited(1), running(2)", ConfigFiles: "/src/a/compose.yaml,/src/a/db.yaml,/src/a/override.yaml"},
			{Name: "gamma", Status: "paused(1)", ConfigFiles: "N/A"},
		}},
		{backend.ListOptions{All: true, Names: []string{"[", "delta"}}, []backend.ProjectSummary{}},
	}
	for _, c := range cases {
		got, err := b.List(t.Context(), c.opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", c.opts, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("List(%+v) =\n  %+v\nwant\n  %+v", c.opts, got, c.want)
		}
	}
}
