package orchestrator

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// DownOptions tune Down.
type DownOptions struct {
	// Volumes also removes the project's named volumes.
	Volumes bool
	// Timeout overrides every service's stop grace period when positive.
	Timeout time.Duration
}

// Down stops and removes the project's containers, each service after the
// services that depend on it (independent ones in parallel), then its
// networks and, if asked, its volumes. Only resources with the project's
// label are touched; what is already gone is fine.
func (o *Orchestrator) Down(ctx context.Context, st *stack.Stack, opts DownOptions) error {
	list, err := o.engine.ContainerList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	byService := map[string][]engine.ContainerSummary{}
	for _, c := range list {
		byService[c.Labels[stack.LabelService]] = append(byService[c.Labels[stack.LabelService]], c)
	}

	// A service goes once its dependents are gone; services the stack no
	// longer knows have no known dependencies and go at once.
	dependents := map[string][]string{}
	for _, svc := range st.Services {
		for _, d := range svc.DependsOn {
			dependents[d.Service] = append(dependents[d.Service], svc.Name)
		}
	}
	gone := map[string]chan struct{}{}
	for name := range byService {
		gone[name] = make(chan struct{})
	}
	for _, svc := range st.Services {
		if gone[svc.Name] == nil {
			gone[svc.Name] = make(chan struct{})
		}
	}

	errs := make(chan error, len(gone))
	var wg sync.WaitGroup
	for name := range gone {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(gone[name])
			for _, dep := range dependents[name] {
				select {
				case <-gone[dep]:
				case <-ctx.Done():
					errs <- ctx.Err()
					return
				}
			}
			svc, _ := st.Service(name)
			grace := gracePeriod(svc)
			if opts.Timeout > 0 {
				grace = opts.Timeout
			}
			errs <- o.removeAll(ctx, byService[name], grace)
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if err := errors.Join(all...); err != nil {
		return err
	}

	for _, n := range st.Networks {
		name := st.NetworkName(n.Name)
		if err := o.removeOwned(st, "network", name,
			func() (map[string]string, error) {
				existing, err := o.engine.NetworkInspect(ctx, name)
				return existing.Labels, err
			},
			func() error { return o.engine.NetworkRemove(ctx, name) }); err != nil {
			return err
		}
	}
	if !opts.Volumes {
		return nil
	}
	for _, v := range st.Volumes {
		name := st.VolumeName(v.Name)
		if err := o.removeOwned(st, "volume", name,
			func() (map[string]string, error) {
				existing, err := o.engine.VolumeInspect(ctx, name)
				return existing.Labels, err
			},
			func() error { return o.engine.VolumeRemove(ctx, name) }); err != nil {
			return err
		}
	}
	return nil
}

// removeAll stops and removes containers in parallel.
func (o *Orchestrator) removeAll(ctx context.Context, containers []engine.ContainerSummary, grace time.Duration) error {
	errs := make([]error, len(containers))
	var wg sync.WaitGroup
	for i, c := range containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = o.stopAndRemove(ctx, c.ID, c.Name, grace)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// stopAndRemove stops a container within grace and removes it; one already
// gone is fine.
func (o *Orchestrator) stopAndRemove(ctx context.Context, id, name string, grace time.Duration) error {
	resource := "container " + name
	o.report(resource, "stopping", "")
	if err := o.engine.ContainerStop(ctx, id, grace); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	if err := o.engine.ContainerRemove(ctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	o.report(resource, "removed", "")
	return nil
}

// removeOwned removes a resource if it exists and is this project's; one
// that is someone else's is left alone and reported.
func (o *Orchestrator) removeOwned(st *stack.Stack, kind, name string,
	inspect func() (map[string]string, error), remove func() error) error {
	labels, err := inspect()
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil
	case err != nil:
		return err
	case labels[stack.LabelProject] != st.ProjectName():
		o.report(kind+" "+name, "left alone", "not this project's")
		return nil
	}
	if err := remove(); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	o.report(kind+" "+name, "removed", "")
	return nil
}
