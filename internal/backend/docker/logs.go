package docker

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Logs writes the logs of the project's containers to w, merged line by
// line, each line prefixed with its container's name; following, it takes
// on the containers started meanwhile too (see logFollower).
func (b *Backend) Logs(ctx context.Context, st *stack.Stack, opts backend.LogsOptions, w io.Writer) error {
	if err := backend.CheckServices(st, opts.Services); err != nil {
		return err
	}
	listed := time.Now()
	containers, err := b.PS(ctx, st)
	if err != nil {
		return err
	}
	containers = slices.DeleteFunc(containers, func(c backend.ContainerStatus) bool {
		return (len(opts.Services) > 0 && !slices.Contains(opts.Services, c.Service)) || (opts.Index > 0 && c.Replica != opts.Index)
	})
	width := 0
	for _, c := range containers {
		width = max(width, len(c.Name))
	}
	if opts.Follow {
		return b.followLogs(ctx, st, opts, w, listed, containers, width)
	}
	var mu sync.Mutex
	errs := make([]error, len(containers))
	var wg sync.WaitGroup
	for i, c := range containers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lw := backend.NewPrefixWriter(w, &mu, opts.Prefix(c.Name, width))
			errs[i] = b.streamLogs(ctx, c.ID, opts, lw)
			lw.Flush()
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil // the reader stopped following
	}
	return errors.Join(errs...)
}

// streamLogs copies one container's logs. Following, it outlives the
// container's restarts: the engine ends a follow when the process dies, so
// it waits for the restart and goes on from there.
func (b *Backend) streamLogs(ctx context.Context, id string, opts backend.LogsOptions, w io.Writer) error {
	logOpts := engine.LogsOptions{Follow: opts.Follow, Tail: opts.Tail, Since: opts.Since, Until: opts.Until, Timestamps: opts.Timestamps}
	for {
		if err := b.engine.ContainerLogs(ctx, id, logOpts, w, w); err != nil || !opts.Follow {
			return err
		}
		ended := time.Now()
		_, err := b.waitContainer(ctx, id, func(c engine.Container) bool {
			return c.Running() && c.StartedAt.After(ended.Add(-time.Second))
		})
		if errors.Is(err, engine.ErrNotFound) {
			return nil // removed: nothing more to follow
		}
		if err != nil {
			return err
		}
		logOpts = engine.LogsOptions{Follow: true, Tail: -1, Since: ended, Until: opts.Until, Timestamps: opts.Timestamps}
	}
}
