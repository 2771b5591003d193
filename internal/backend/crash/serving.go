package crash

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// A crash is over once the services that depend on the crashed one serve
// again: each running instance of a dependent passes its readiness probe
// (x-stackctl.readiness), run in its container. A dependent without one
// says nothing about serving that its own healthcheck does not, and is not
// waited for.

// ServingDependents are the services of st that depend on service and have
// a readiness probe, in the stack's order.
func ServingDependents(st *stack.Stack, service string) []*stack.Service {
	var out []*stack.Service
	for _, d := range st.Dependents(service) {
		if len(d.Readiness) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// Execer runs a command in a container.
type Execer interface {
	Exec(ctx context.Context, ref string, cmd []string) (engine.ExecResult, error)
}

// probeTimeout bounds one run of a readiness probe.
const probeTimeout = 5 * time.Second

// AwaitReadiness returns once cmd exits 0 in the container, trying every
// poll until ctx ends. A probe that fails or cannot run yet is tried
// again; the error of a wait that ended says what the last one answered.
func AwaitReadiness(ctx context.Context, eng Execer, id string, cmd []string, poll time.Duration) error {
	last := ""
	err := wait.Until(ctx, poll, wait.Func(func(ctx context.Context) (bool, error) {
		probeCtx, cancel := context.WithTimeout(ctx, probeTimeout)
		defer cancel()
		res, err := eng.Exec(probeCtx, id, cmd)
		switch {
		case err == nil && res.ExitCode == 0:
			return true, nil
		case err == nil:
			last = fmt.Sprintf("exit %d: %s", res.ExitCode, strings.TrimSpace(res.Output))
		case ctx.Err() == nil:
			last = err.Error()
		}
		return false, nil
	}))
	if err != nil && last != "" {
		return fmt.Errorf("readiness %q in container %s: %w (last: %s)", cmd, id, err, last)
	}
	return err
}
