package orchestrator

import (
	"context"
	"errors"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// ensureResources creates the stack's networks and volumes that are missing,
// checks that those present are this project's, and reports whether it
// created any.
func (o *Orchestrator) ensureResources(ctx context.Context, st *stack.Stack) (bool, error) {
	created := false
	for _, n := range st.Networks {
		name := st.NetworkName(n.Name)
		labels := st.ProjectLabels()
		labels[stack.LabelNetwork] = n.Name
		made, err := o.ensureOwned(st, "network", name,
			func() (map[string]string, error) {
				existing, err := o.engine.NetworkInspect(ctx, name)
				return existing.Labels, err
			},
			func() error { return o.engine.NetworkCreate(ctx, name, n.Driver, labels) })
		if err != nil {
			return false, err
		}
		created = created || made
	}
	for _, v := range st.Volumes {
		name := st.VolumeName(v.Name)
		labels := st.ProjectLabels()
		labels[stack.LabelVolume] = v.Name
		made, err := o.ensureOwned(st, "volume", name,
			func() (map[string]string, error) {
				existing, err := o.engine.VolumeInspect(ctx, name)
				return existing.Labels, err
			},
			func() error { return o.engine.VolumeCreate(ctx, name, labels) })
		if err != nil {
			return false, err
		}
		created = created || made
	}
	return created, nil
}

// ensureOwned creates a missing resource, and refuses one that exists under
// the name without this project's label. It reports whether it created one.
func (o *Orchestrator) ensureOwned(st *stack.Stack, kind, name string,
	inspect func() (map[string]string, error), create func() error) (bool, error) {
	labels, err := inspect()
	switch {
	case err == nil:
		if owner := labels[stack.LabelProject]; owner != st.ProjectName() {
			return false, &NotOwnedError{Kind: kind, Name: name, Project: st.ProjectName(), Owner: owner}
		}
		return false, nil
	case !errors.Is(err, engine.ErrNotFound):
		return false, err
	}
	if err := create(); err != nil {
		return false, err
	}
	o.report(kind+" "+name, "created", "")
	return true, nil
}
