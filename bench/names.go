package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// The labels that say who made a resource.
const (
	// stackctlProjectLabel is the label stackctl puts on everything it
	// makes, valued the project.
	stackctlProjectLabel = "io.stackctl.project"
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
	// Images are the images the file names for its services (a service
	// that is only built names none), each once, sorted.
	Images []string
}

// namesFor names what a tool makes of files run as project with env, from
// stackctl's (the binary at bin) resolution of them.
func namesFor(ctx context.Context, bin string, files []string, project string, env map[string]string) (StackNames, error) {
	st, err := resolveStack(ctx, bin, files, project, env)
	if err != nil {
		return StackNames{}, err
	}
	names := StackNames{Containers: map[string]string{}, Networks: st.ownNetworks(), Volumes: st.ownVolumes()}
	for _, service := range st.serviceNames() {
		names.Containers[service] = st.containerName(service, 1)
		if st.healthchecked(service) {
			names.Healthchecked = append(names.Healthchecked, names.Containers[service])
		}
		if img := st.Services[service].Image; img != "" && !slices.Contains(names.Images, img) {
			names.Images = append(names.Images, img)
		}
	}
	slices.Sort(names.Images)
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
func lookup(ctx context.Context, eng *client.Client, r resource) (map[string]string, bool, error) {
	var (
		labels map[string]string
		err    error
	)
	switch r.kind {
	case "container":
		c, inspectErr := eng.ContainerInspect(ctx, r.name)
		if err = inspectErr; err == nil && c.Config != nil {
			labels = c.Config.Labels
		}
	case "network":
		var n network.Inspect
		n, err = eng.NetworkInspect(ctx, r.name, network.InspectOptions{})
		labels = n.Labels
	case "volume":
		v, inspectErr := eng.VolumeInspect(ctx, r.name)
		err, labels = inspectErr, v.Labels
	default:
		return nil, false, fmt.Errorf("unknown resource kind %q", r.kind)
	}
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("inspect %s %s: %w", r.kind, r.name, err)
	}
	return labels, true, nil
}

// checkOwned refuses to go on when any of rs exists without our label.
func checkOwned(ctx context.Context, eng *client.Client, rs []resource) error {
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
func leftovers(ctx context.Context, eng *client.Client, rs []resource) ([]string, error) {
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
