package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// Down removes the project's pre_start hook containers (a failed hook's
// is kept until then), then stops and removes its containers, each service after the
// services that depend on it (independent ones in parallel), then its
// networks, the claims on its lock that dead runs left (see sweepClaims)
// and, if asked, its volumes. Only resources with the project's
// label are touched; what is already gone is fine. Order matters only for
// stopping: a service stops once its dependents' processes are gone (the
// engine's release of what they held goes on meanwhile), a container is
// removed while its dependencies stop, and networks and volumes go
// together. With Volumes, a container whose writes all go to volumes this
// down deletes is removed without a clean stop (see disposable).
func (b *Backend) Down(ctx context.Context, st *stack.Stack, opts backend.DownOptions) error {
	if err := b.removePreStart(ctx, st, ""); err != nil {
		return err
	}
	list, err := b.projectContainers(ctx, st)
	if err != nil {
		return err
	}
	// Compose's containers have anonymous volumes where stackctl's have
	// named ones: down -v takes those with the container, as Compose's.
	composeMade := map[string]bool{}
	for _, c := range list {
		composeMade[c.ID] = madeByCompose(c.Labels, st.Project) != ""
	}
	err = b.stopDependentsFirst(ctx, st, list, func(svc *stack.Service, containers []engine.ContainerSummary) ([]engine.ContainerSummary, time.Duration, error) {
		grace := gracePeriod(svc)
		if opts.Timeout > 0 {
			grace = opts.Timeout
		}
		if opts.Volumes {
			var err error
			if containers, err = b.removeDisposable(ctx, st, containers); err != nil {
				return nil, 0, err
			}
		}
		return containers, grace, nil
	}, func(c stopping) error {
		if composeMade[c.id] && opts.Volumes {
			return b.removeWithVolumes(ctx, c.id, c.name)
		}
		return b.removeStopped(ctx, c.id, c.name)
	})
	if err != nil {
		return err
	}

	owned := b.networks(ctx, st)
	if opts.Volumes {
		owned = append(owned, b.volumes(ctx, st)...)
	}
	removals := []func() error{func() error { return b.sweepClaims(ctx, st.Project) }}
	for _, r := range owned {
		removals = append(removals, func() error { return b.removeOwned(st, r) })
	}
	if opts.Volumes {
		removals = append(removals, func() error { return b.removeUnnamedVolumes(ctx, st) })
	}
	for _, ref := range imagesToRemove(st, opts.Images) {
		removals = append(removals, func() error { return b.removeImage(ctx, ref) })
	}
	return walk.Each(removals, func(remove func() error) error { return remove() })
}

// dependentsFirst calls fn with each service's containers once fn has
// finished for every service that depends on it; containers of services the
// stack no longer has (svc nil) go at once (walk.ReverseGroups).
func (b *Backend) dependentsFirst(ctx context.Context, st *stack.Stack, containers []engine.ContainerSummary,
	fn func(svc *stack.Service, containers []engine.ContainerSummary) error) error {
	serviceOf := func(c engine.ContainerSummary) string { return serviceLabel(c.Labels) }
	return walk.ReverseGroups(ctx, st, containers, serviceOf, func(_ context.Context, svc *stack.Service, containers []engine.ContainerSummary) error {
		return fn(svc, containers)
	})
}

// stopAndRemove stops a container within grace and removes it; one already
// gone is fine.
func (b *Backend) stopAndRemove(ctx context.Context, id, name string, grace time.Duration) error {
	if err := b.stopContainer(ctx, id, name, grace); err != nil {
		return err
	}
	return b.removeStopped(ctx, id, name)
}

// stopDependentsFirst stops containers service by service, dependents
// first (see dependentsFirst). choose picks a service's containers to stop
// and their grace period (it may dispose of others itself); a service's
// dependencies begin to stop once the processes of its chosen containers
// are gone (each reported stopped then), without waiting for the engine to
// release them, and then, if set, runs for each container once its stop
// has returned. It returns once every stop has, with every failure.
func (b *Backend) stopDependentsFirst(ctx context.Context, st *stack.Stack, containers []engine.ContainerSummary,
	choose func(svc *stack.Service, containers []engine.ContainerSummary) ([]engine.ContainerSummary, time.Duration, error),
	then func(stopping) error) error {
	var (
		finishing sync.WaitGroup
		mu        sync.Mutex
		errs      []error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	err := b.dependentsFirst(ctx, st, containers, func(svc *stack.Service, containers []engine.ContainerSummary) error {
		chosen, grace, err := choose(svc, containers)
		if err != nil {
			return err
		}
		_ = walk.Each(chosen, func(c engine.ContainerSummary) error { b.preStop(ctx, svc, c.ID, c.Name); return nil })
		for _, c := range b.beginStops(ctx, chosen, grace) {
			finishing.Go(func() {
				err := c.stopped()
				if err == nil && then != nil {
					err = then(c)
				}
				if err != nil {
					fail(err)
				}
			})
		}
		return nil
	})
	finishing.Wait()
	return errors.Join(append(errs, err)...)
}

// stopping is a container whose stop is under way and whose process is gone.
type stopping struct {
	id, name string
	// stopped waits for the stop to return: the engine has released the
	// container's network and mounts.
	stopped func() error
}

// beginStops stops containers, each within grace, and returns once every
// one's process is gone (see engine.Client.ContainerStopping): what depends
// only on that, as a dependency's stop does, need not wait for the engine
// to release what they held. One already gone is fine.
func (b *Backend) beginStops(ctx context.Context, containers []engine.ContainerSummary, grace time.Duration) []stopping {
	out := make([]stopping, len(containers))
	deaths := make([]<-chan struct{}, len(containers))
	for i, c := range containers {
		b.report("container "+c.Name, "stopping", "")
		died, stopped := b.engine.ContainerStopping(ctx, c.ID, grace)
		deaths[i] = died
		out[i] = stopping{id: c.ID, name: c.Name, stopped: func() error {
			if err := stopped(); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return err
			}
			return nil
		}}
	}
	for i, died := range deaths {
		select {
		case <-died:
			if c := containers[i]; c.State == "running" || c.State == "restarting" {
				b.report("container "+c.Name, "stopped", "")
			}
		case <-ctx.Done():
		}
	}
	return out
}

// stopContainer stops a container within grace; one already gone is fine.
func (b *Backend) stopContainer(ctx context.Context, id, name string, grace time.Duration) error {
	b.report("container "+name, "stopping", "")
	if err := b.engine.ContainerStop(ctx, id, grace); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return nil
}

// removeStopped removes a container; one already gone is fine.
func (b *Backend) removeStopped(ctx context.Context, id, name string) error {
	if err := b.engine.ContainerRemove(ctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	b.report("container "+name, "removed", "")
	return nil
}

// removeWithVolumes removes a stopped container and its anonymous volumes.
func (b *Backend) removeWithVolumes(ctx context.Context, id, name string) error {
	if err := b.engine.ContainerRemoveStopped(ctx, id, true); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	b.report("container "+name, "removed", "with its anonymous volumes")
	return nil
}

// imagesToRemove are the images down --rmi removes, each once.
func imagesToRemove(st *stack.Stack, rmi string) []string {
	var refs []string
	for i := range st.Services {
		svc := &st.Services[i]
		if rmi == backend.RmiAll || (rmi == backend.RmiLocal && st.LocalImage(svc)) {
			if !slices.Contains(refs, svc.Image) {
				refs = append(refs, svc.Image)
			}
		}
	}
	return refs
}

// removeImage removes an image down --rmi names; one already gone is fine.
func (b *Backend) removeImage(ctx context.Context, ref string) error {
	err := b.engine.ImageRemove(ctx, ref)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("down --rmi: %w", err)
	}
	b.report("image "+ref, "removed", "")
	return nil
}
