package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Logs writes the logs of the project's services to w, merged line by
// line, each line prefixed with its service's name; the swarm gathers
// them from the nodes that ran the tasks.
func (b *Backend) Logs(ctx context.Context, st *stack.Stack, opts backend.LogsOptions, w io.Writer) error {
	if err := backend.CheckServices(st, opts.Services); err != nil {
		return err
	}
	if opts.Index > 0 {
		return fmt.Errorf("logs --index: %w: a swarm service's log is one stream of all its tasks", ErrNotOnSwarm)
	}
	services, err := b.engine.ServiceList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	services = slices.DeleteFunc(services, func(s engine.Service) bool {
		return len(opts.Services) > 0 && !slices.Contains(opts.Services, s.Labels[stack.LabelService])
	})
	width := 0
	for _, s := range services {
		width = max(width, len(s.Name))
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	errs := make([]error, len(services))
	for i, s := range services {
		wg.Go(func() {
			lw := backend.NewPrefixWriter(w, &mu, opts.Prefix(s.Name, width))
			errs[i] = b.engine.ServiceLogs(ctx, s.ID, engine.LogsOptions{Follow: opts.Follow, Tail: opts.Tail, Since: opts.Since, Until: opts.Until, Timestamps: opts.Timestamps}, lw, lw)
			lw.Flush()
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil // the reader stopped following
	}
	return errors.Join(errs...)
}
