package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// The labels that say who made a resource.
const (
	stackctlProjectLabel = stack.LabelProject
	composeProjectLabel  = "com.docker.compose.project"
	// floorLabel marks the benchmark's own PostgreSQL floor resources.
	floorLabel = "io.stackctl.bench"
)

// StackNames are the engine names of one copy of a stack: both tools run
// the same compose file under the same project name, so they name alike.
type StackNames struct {
	// Containers by service name (the first replica's).
	Containers map[string]string
	// Networks and Volumes are the stack's own, external ones left out:
	// the benchmark never touches those.
	Networks []string
	Volumes  []string
	// Healthchecked are the containers whose image or service declares a
	// healthcheck the engine runs.
	Healthchecked []string
	// Images are the images the services run, each once, sorted.
	Images []string
}

func namesFor(composeFile, project string, env map[string]string) (StackNames, error) {
	st, err := stack.Load(context.Background(), stack.LoadOptions{
		Files: []string{composeFile}, ProjectName: project, Environment: env,
	})
	if err != nil {
		return StackNames{}, err
	}
	names := StackNames{Containers: map[string]string{}}
	for i := range st.Services {
		svc := &st.Services[i]
		names.Containers[svc.Name] = st.ContainerName(svc, 1)
		if svc.Healthcheck.Enabled() {
			names.Healthchecked = append(names.Healthchecked, names.Containers[svc.Name])
		}
		if svc.Image != "" && !slices.Contains(names.Images, svc.Image) {
			names.Images = append(names.Images, svc.Image)
		}
	}
	slices.Sort(names.Images)
	for _, n := range st.Networks {
		if !n.External {
			names.Networks = append(names.Networks, n.Name)
		}
	}
	for _, v := range st.Volumes {
		if !v.External {
			names.Volumes = append(names.Volumes, v.Name)
		}
	}
	return names, nil
}

// resource is one engine object the benchmark may create or remove.
type resource struct {
	kind, name string
	// label and value mark it as ours.
	label, value string
}

func (t *Tool) resources() []resource {
	var out []resource
	for _, service := range slices.Sorted(maps.Keys(t.Names.Containers)) {
		out = append(out, resource{"container", t.Names.Containers[service], t.OwnerLabel, t.Project})
	}
	for _, name := range t.Names.Networks {
		out = append(out, resource{"network", name, t.OwnerLabel, t.Project})
	}
	for _, name := range t.Names.Volumes {
		out = append(out, resource{"volume", name, t.OwnerLabel, t.Project})
	}
	return out
}

// NotOursError is a resource under one of the benchmark's names that the
// benchmark did not make: it must not be touched.
type NotOursError struct {
	Kind, Name, Label, Want, Got string
}

func (e *NotOursError) Error() string {
	return fmt.Sprintf("%s %s exists without the label %s=%s (it has %q): it is not the benchmark's, "+
		"so the benchmark will neither use nor remove it; remove or rename it, or run elsewhere",
		e.Kind, e.Name, e.Label, e.Want, e.Got)
}

// lookup returns the resource's labels, and whether it exists.
func lookup(ctx context.Context, eng *engine.Client, r resource) (map[string]string, bool, error) {
	var (
		labels map[string]string
		err    error
	)
	switch r.kind {
	case "container":
		var c engine.Container
		c, err = eng.ContainerInspect(ctx, r.name)
		labels = c.Labels
	case "network":
		var n engine.Network
		n, err = eng.NetworkInspect(ctx, r.name)
		labels = n.Labels
	case "volume":
		var v engine.Volume
		v, err = eng.VolumeInspect(ctx, r.name)
		labels = v.Labels
	default:
		return nil, false, fmt.Errorf("unknown resource kind %q", r.kind)
	}
	if errors.Is(err, engine.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return labels, true, nil
}

// checkOwned refuses to go on when any of rs exists without our label.
func checkOwned(ctx context.Context, eng *engine.Client, rs []resource) error {
	var errs []error
	for _, r := range rs {
		labels, exists, err := lookup(ctx, eng, r)
		if err != nil {
			return fmt.Errorf("check who owns %s %s: %w", r.kind, r.name, err)
		}
		if exists && labels[r.label] != r.value {
			errs = append(errs, &NotOursError{Kind: r.kind, Name: r.name, Label: r.label, Want: r.value, Got: labels[r.label]})
		}
	}
	return errors.Join(errs...)
}

// leftovers names those of rs that still exist.
func leftovers(ctx context.Context, eng *engine.Client, rs []resource) ([]string, error) {
	var left []string
	for _, r := range rs {
		_, exists, err := lookup(ctx, eng, r)
		if err != nil {
			return left, fmt.Errorf("look for %s %s: %w", r.kind, r.name, err)
		}
		if exists {
			left = append(left, r.kind+" "+r.name)
		}
	}
	return left, nil
}
