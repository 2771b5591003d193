package orchestrator

import (
	"context"
	"fmt"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/provider"
	"github.com/stackctl/stackctl/internal/stack"
)

// Run runs a one-off instance of a service. Unless opts.NoDeps, the
// services it depends on are brought up first, as up brings them up, and
// are ready when it starts; the project's other services are left as they
// are, and are no orphans.
func (o *Orchestrator) Run(ctx context.Context, st *stack.Stack, opts backend.RunOptions) (backend.RunResult, error) {
	svc, ok := st.Service(opts.Service)
	if !ok {
		return backend.RunResult{}, backend.UnknownService(st, opts.Service)
	}
	if !opts.NoDeps {
		// Its provider services and its dependencies', which give it
		// and them their variables.
		needs := append(st.DependencyStack(svc).ServiceNames(), svc.Name)
		if err := o.runProviders(ctx, st, st.ProvidersFor(needs), provider.Up); err != nil {
			return backend.RunResult{}, fmt.Errorf("start the dependencies of service %s: %w", svc.Name, err)
		}
	}
	if deps := st.DependencyStack(svc); !opts.NoDeps && len(deps.Services) > 0 {
		if _, err := o.up(ctx, deps, backend.UpOptions{WaitTimeout: opts.WaitTimeout}, false); err != nil {
			return backend.RunResult{}, fmt.Errorf("start the dependencies of service %s: %w", svc.Name, err)
		}
	}
	return o.Backend.Run(ctx, st, opts)
}
