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
	err = o.dependentsFirst(ctx, st, list, func(svc *stack.Service, containers []engine.ContainerSummary) error {
		grace := gracePeriod(svc)
		if opts.Timeout > 0 {
			grace = opts.Timeout
		}
		return o.removeAll(ctx, containers, grace)
	})
	if err != nil {
		return err
	}

	owned := o.networks(ctx, st)
	if opts.Volumes {
		owned = append(owned, o.volumes(ctx, st)...)
	}
	for _, r := range owned {
		if err := o.removeOwned(st, r); err != nil {
			return err
		}
	}
	if opts.Volumes {
		return o.removeUnnamedVolumes(ctx, st)
	}
	return nil
}

// removeAll stops and removes containers in parallel.
func (o *Orchestrator) removeAll(ctx context.Context, containers []engine.ContainerSummary, grace time.Duration) error {
	return forEach(containers, func(c engine.ContainerSummary) error {
		return o.stopAndRemove(ctx, c.ID, c.Name, grace)
	})
}

// forEach runs fn on every item in parallel and joins the errors.
func forEach[T any](items []T, fn func(T) error) error {
	return forEachIndex(len(items), func(i int) error { return fn(items[i]) })
}

// forEachIndex runs fn for 0..n-1 in parallel and joins the errors.
func forEachIndex(n int, fn func(int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// dependentsFirst calls fn with each service's containers once fn has
// finished for every service that depends on it; independent services run
// in parallel. Containers of services the stack no longer has (svc nil)
// have no known dependents and go at once.
func (o *Orchestrator) dependentsFirst(ctx context.Context, st *stack.Stack, containers []engine.ContainerSummary,
	fn func(svc *stack.Service, containers []engine.ContainerSummary) error) error {
	byService := map[string][]engine.ContainerSummary{}
	for _, c := range containers {
		name := c.Labels[stack.LabelService]
		byService[name] = append(byService[name], c)
	}
	dependents := map[string][]string{}
	for _, svc := range st.Services {
		for _, d := range svc.DependsOn {
			dependents[d.Service] = append(dependents[d.Service], svc.Name)
		}
	}
	finished := map[string]chan struct{}{}
	for name := range byService {
		finished[name] = make(chan struct{})
	}
	for _, svc := range st.Services {
		if finished[svc.Name] == nil {
			finished[svc.Name] = make(chan struct{})
		}
	}
	names := make([]string, 0, len(finished))
	for name := range finished {
		names = append(names, name)
	}
	return forEach(names, func(name string) error {
		defer close(finished[name])
		for _, dep := range dependents[name] {
			select {
			case <-finished[dep]:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(byService[name]) == 0 {
			return nil
		}
		svc, _ := st.Service(name)
		return fn(svc, byService[name])
	})
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
