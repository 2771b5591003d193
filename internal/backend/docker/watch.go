package docker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// Watching is what events, stats, attach and push ask of the engine.
type Watching interface {
	ContainerEvents(ctx context.Context, opts engine.EventsOptions, fn func(engine.ContainerEvent) error) error
	ContainerUsage(ctx context.Context, ref string) (engine.Usage, error)
	ContainerAttach(ctx context.Context, ref string, stdio engine.Stdio, detachKeys string) (int, error)
	ImagePush(ctx context.Context, ref string, progress func(string)) (string, error)
}

// Events tells opts.Consumer of each event of the project's containers,
// as Compose's events does: the project is Compose's label (so a project
// Compose made is watched too), one-offs are left out, and the attributes
// are the engine's less Compose's own labels.
func (b *Backend) Events(ctx context.Context, st *stack.Stack, opts backend.EventsOptions) error {
	if _, err := backend.SelectServices(st, opts.Services); err != nil {
		return err
	}
	return b.engine.ContainerEvents(ctx, engine.EventsOptions{
		Labels: map[string]string{stack.LabelComposeProject: st.Project}, Since: opts.Since, Until: opts.Until,
	}, func(e engine.ContainerEvent) error {
		if e.Attributes[stack.LabelComposeOneOff] == "True" {
			return nil
		}
		service := e.Attributes[stack.LabelComposeService]
		if len(opts.Services) > 0 && !slices.Contains(opts.Services, service) {
			return nil
		}
		attributes := maps.Clone(e.Attributes)
		maps.DeleteFunc(attributes, func(k, _ string) bool { return strings.HasPrefix(k, "com.docker.compose.") })
		return opts.Consumer(backend.Event{Time: e.Time, Service: service, Container: e.ID, Action: e.Action, Attributes: attributes})
	})
}

// Stats samples the named services' running containers (and with All the
// others, at zero), side by side, once or, with Stream, round after round
// until ctx ends: each round lists the containers anew, so one started
// meanwhile joins, as docker stats does.
func (b *Backend) Stats(ctx context.Context, st *stack.Stack, opts backend.StatsOptions) error {
	for {
		replicas, err := b.replicasOf(ctx, st, opts.Services)
		if err != nil {
			return err
		}
		if !opts.All {
			replicas = slices.DeleteFunc(replicas, func(c backend.ContainerStatus) bool { return c.State != "running" })
		}
		usage := make([]backend.Usage, len(replicas))
		err = walk.Each(indices(replicas), func(i int) error {
			c := replicas[i]
			usage[i] = backend.Usage{Service: c.Service, Name: c.Name, ID: c.ID}
			if c.State != "running" {
				return nil
			}
			u, err := b.engine.ContainerUsage(ctx, c.ID)
			if err != nil {
				return fmt.Errorf("service %s: %w", c.Service, err)
			}
			usage[i].Usage = u
			return nil
		})
		if ctx.Err() != nil && opts.Stream {
			return nil
		}
		if err != nil {
			return err
		}
		if err := opts.Consumer(usage); err != nil || !opts.Stream {
			return err
		}
		if len(replicas) == 0 {
			// Nothing to sample waits a round, as a sample would.
			select {
			case <-time.After(statsRound):
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// statsRound is how long a round of samples takes: the engine's own
// interval between the two samples of each.
const statsRound = time.Second

// Attach connects opts.Stdio to a running replica's own streams.
func (b *Backend) Attach(ctx context.Context, st *stack.Stack, opts backend.AttachOptions) (int, error) {
	c, err := b.replica(ctx, st, opts.Service, opts.Index)
	if err != nil {
		return 0, err
	}
	if c.State != "running" {
		return 0, fmt.Errorf("attach to service %s: container %s is %s: %w; start it with `stackctl start %s`",
			c.Service, c.Name, c.State, backend.ErrNotRunning, c.Service)
	}
	return b.engine.ContainerAttach(ctx, c.ID, opts.Stdio, opts.DetachKeys)
}

// Pull pulls the services' images from their registries.
func (b *Backend) Pull(ctx context.Context, st *stack.Stack, opts backend.PullOptions) error {
	return b.images.Pull(ctx, st, opts)
}

// Push pushes the images the services build to their registries.
func (b *Backend) Push(ctx context.Context, st *stack.Stack, opts backend.PushOptions) error {
	return b.images.Push(ctx, b.engine, st, opts)
}
