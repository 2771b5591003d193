package docker

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// Stop stops the named services' containers (all when none are named),
// dependents first, without removing them. The engine records a manual
// stop: no restart policy brings them back until they are started again.
// A positive timeout overrides each service's grace period.
func (b *Backend) Stop(ctx context.Context, st *stack.Stack, services []string, timeout time.Duration) error {
	selected, err := backend.SelectServices(st, services)
	if err != nil {
		return err
	}
	list, err := b.projectContainers(ctx, st)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(c engine.ContainerSummary) bool {
		return isOneOff(c.Labels) || !slices.Contains(selected, serviceLabel(c.Labels))
	})
	return b.stopDependentsFirst(ctx, st, list, func(svc *stack.Service, containers []engine.ContainerSummary) ([]engine.ContainerSummary, time.Duration, error) {
		grace := gracePeriod(svc)
		if timeout > 0 {
			grace = timeout
		}
		running := slices.DeleteFunc(slices.Clone(containers), func(c engine.ContainerSummary) bool {
			return c.State != "running" && c.State != "restarting"
		})
		return running, grace, nil
	}, nil)
}

// Start starts the named services' stopped containers (all when none are
// named) in dependency order, each service once those it depends on are
// ready (walk.Forward). One-shot tasks are not re-run.
func (b *Backend) Start(ctx context.Context, st *stack.Stack, services []string, waitTimeout time.Duration) error {
	selected, err := backend.SelectServices(st, services)
	if err != nil {
		return err
	}
	if waitTimeout <= 0 {
		waitTimeout = backend.DefaultWaitTimeout
	}
	containers, err := b.PS(ctx, st)
	if err != nil {
		return err
	}
	return walk.Forward(ctx, st, nil, func(ctx context.Context, svc *stack.Service, _ walk.Started) error {
		if !slices.Contains(selected, svc.Name) || svc.OneShot {
			return nil
		}
		mine := slices.DeleteFunc(slices.Clone(containers), func(c backend.ContainerStatus) bool {
			return c.Service != svc.Name || c.OneOff
		})
		if len(mine) == 0 {
			return fmt.Errorf("service %s has no container; create it with `stackctl up`", svc.Name)
		}
		return walk.Each(mine, func(c backend.ContainerStatus) error {
			if c.State != "running" {
				if err := b.startContainer(ctx, svc, c.ID, c.Name); err != nil {
					return err
				}
			}
			if !svc.Healthcheck.Enabled() {
				return nil
			}
			waitCtx, cancel := context.WithTimeout(ctx, waitTimeout)
			defer cancel()
			return b.waitHealthy(waitCtx, svc, c.ID, c.Name, waitTimeout)
		})
	})
}

// Restart stops then starts the named services (all when none are named).
func (b *Backend) Restart(ctx context.Context, st *stack.Stack, services []string, timeout, waitTimeout time.Duration) error {
	if err := b.Stop(ctx, st, services, timeout); err != nil {
		return err
	}
	return b.Start(ctx, st, services, waitTimeout)
}
