package swarm

import (
	"context"
	"fmt"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// Events is refused: a swarm's tasks run on nodes whose engines stackctl
// does not watch.
func (b *Backend) Events(context.Context, *stack.Stack, backend.EventsOptions) error {
	return fmt.Errorf("events: %w: a swarm's tasks run on its nodes' engines; follow the services' tasks with stackctl --swarm ps, or their output with stackctl --swarm logs -f", ErrNotOnSwarm)
}

// Stats is refused: a task's usage is known only to its node's engine.
func (b *Backend) Stats(context.Context, *stack.Stack, backend.StatsOptions) error {
	return fmt.Errorf("stats: %w: a task's usage is known only to its node's engine; run docker stats against each node's engine", ErrNotOnSwarm)
}

// Attach is refused: a task's streams belong to its node's engine.
func (b *Backend) Attach(context.Context, *stack.Stack, backend.AttachOptions) (int, error) {
	return 0, fmt.Errorf("attach: %w: a task's streams belong to its node's engine; read a service's output with stackctl --swarm logs -f SERVICE", ErrNotOnSwarm)
}

// Pull pulls the services' images onto the manager's engine; the nodes
// pull what they run themselves when up deploys it.
func (b *Backend) Pull(ctx context.Context, st *stack.Stack, opts backend.PullOptions) error {
	return b.images.Pull(ctx, st, opts)
}

// Push pushes the images the services build to the registries their
// references name, from the manager's engine.
func (b *Backend) Push(ctx context.Context, st *stack.Stack, opts backend.PushOptions) error {
	return b.images.Push(ctx, b.engine, st, opts)
}

// SyncRefusal refuses develop.watch's sync triggers: a swarm's tasks run
// on nodes whose engines stackctl does not reach, and a file copied into
// one task is lost when the swarm replaces it. A rebuild trigger reaches
// every node: the image is pushed to the registry and the service updated.
func (b *Backend) SyncRefusal() error {
	return fmt.Errorf("%w: a swarm's tasks run on its nodes' engines, which stackctl does not reach, and the swarm replaces them with tasks of the image; "+
		"use action: rebuild, which builds the image, pushes it to --registry and updates the service start-first", ErrNotOnSwarm)
}

var _ backend.FileSyncer = (*Backend)(nil)
