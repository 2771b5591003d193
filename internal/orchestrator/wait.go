package orchestrator

import (
	"context"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// WaitOptions are the backend's, and what Compose's wait does after.
type WaitOptions struct {
	backend.WaitOptions
	// DownProject takes the project down once the services have stopped,
	// under the project's lock, waiting up to LockWait for it.
	DownProject bool
	LockWait    time.Duration
}

// Wait waits for the services' instances to stop, then takes the project
// down when asked. The lock is taken only for the down: a wait may last
// for hours, and the run that makes the services stop (a stop, a down)
// needs the lock meanwhile.
func (o *Orchestrator) Wait(ctx context.Context, st *stack.Stack, opts WaitOptions) ([]backend.Exit, error) {
	exits, err := o.Backend.Wait(ctx, st, opts.WaitOptions)
	if err != nil || !opts.DownProject {
		return exits, err
	}
	unlock, err := o.Backend.Lock(ctx, st.Project, opts.LockWait)
	if err != nil {
		return exits, err
	}
	defer unlock()
	return exits, o.Backend.Down(ctx, st, backend.DownOptions{})
}
