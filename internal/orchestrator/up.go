package orchestrator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// UpOptions tune Up.
type UpOptions struct {
	// Build rebuilds images with a build section even when their context
	// did not change.
	Build bool
	// WaitTimeout bounds each wait for a service to become ready.
	WaitTimeout time.Duration
	// BatchSize is how many replicas a rolling update replaces at once
	// (0 is 1).
	BatchSize int
	// MinReady is how long a new replica must stay healthy before the
	// rolling update goes on.
	MinReady time.Duration
	// NoWait returns once every service is started, without waiting for
	// services that nothing depends on to become healthy.
	NoWait bool
	// RemoveOrphans removes the project's containers of services the stack
	// no longer has; without it they are reported and left.
	RemoveOrphans bool
}

// DefaultWaitTimeout bounds a wait when UpOptions.WaitTimeout is zero.
const DefaultWaitTimeout = 2 * time.Minute

// UpResult says what Up did and how the stack stands.
type UpResult struct {
	// Changed is false when the stack was already as wanted and Up
	// created, started, built and removed nothing.
	Changed    bool
	Containers []ContainerStatus
}

// ErrDependencyFailed marks a service that did not start because a
// dependency failed; the dependency's own error is the one to show.
var ErrDependencyFailed = walk.ErrDependencyFailed

// Up converges the stack: images, networks and volumes first, then every
// missing instance created, then each service started once its
// dependencies meet their conditions, independent services in parallel.
// Only what differs from the wanted state changes.
func (o *Orchestrator) Up(ctx context.Context, st *stack.Stack, opts UpOptions) (UpResult, error) {
	if err := st.Validate(); err != nil {
		return UpResult{}, fmt.Errorf("invalid stack: %w", err)
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = DefaultWaitTimeout
	}
	for _, notice := range st.Notices {
		o.reportWarning("stack "+st.Project, "notice", notice)
	}
	imageIDs, changed, err := o.Backend.Prepare(ctx, st, opts.Build)
	if err != nil {
		return UpResult{}, err
	}
	obs, err := o.Backend.Observe(ctx, st, imageIDs)
	if err != nil {
		return UpResult{}, err
	}
	plan, err := reconcile(st, obs, o.Backend, opts)
	if err != nil {
		return UpResult{}, err
	}
	if err := o.handleOrphans(ctx, st, plan); err != nil {
		return UpResult{Changed: changed}, err
	}
	converged, err := o.execute(ctx, st, plan, opts)
	changed = changed || converged || (plan.RemoveOrphans && len(plan.Orphans) > 0)
	if err != nil {
		return UpResult{Changed: changed}, err
	}
	containers, err := o.PS(ctx, st)
	return UpResult{Changed: changed, Containers: containers}, err
}

// execute carries out the plan and says whether it changed anything. Every
// missing instance is created first, side by side, as creating needs
// nothing of the dependencies; then the walk applies each service once its
// dependencies meet their conditions, and waits for it to be ready when the
// plan says so.
func (o *Orchestrator) execute(ctx context.Context, st *stack.Stack, plan Plan, opts UpOptions) (bool, error) {
	conv := o.Backend.Converge(st, plan, opts)
	var changed atomic.Bool
	created := make([][]string, len(plan.Services))
	err := walk.Each(plan.Services, func(sp ServicePlan) error {
		i := slices.IndexFunc(plan.Services, func(p ServicePlan) bool { return p.Service == sp.Service })
		ids, err := conv.Create(ctx, sp)
		created[i] = ids
		if slices.ContainsFunc(ids, func(id string) bool { return id != "" }) {
			changed.Store(true)
		}
		return err
	})
	if err != nil {
		return changed.Load(), err
	}
	var mu sync.Mutex
	applied := map[string]Applied{}
	waiting := func(svc *stack.Service, d stack.Dependency) {
		// On the line of the service's first instance, which its start
		// then updates.
		o.report(firstInstance(o.Backend, st, svc), "waiting", fmt.Sprintf("for %s (%s)", d.Service, d.Condition))
	}
	err = walk.Forward(ctx, st, waiting, func(ctx context.Context, svc *stack.Service, started walk.Started) error {
		i := slices.IndexFunc(plan.Services, func(p ServicePlan) bool { return p.Service.Name == svc.Name })
		sp := plan.Services[i]
		mu.Lock()
		upstream := map[string]Applied{}
		for _, d := range svc.DependsOn {
			if a, ok := applied[d.Service]; ok {
				upstream[d.Service] = a
			}
		}
		mu.Unlock()
		a, err := conv.Apply(ctx, sp, created[i], upstream)
		if err != nil {
			return err
		}
		if a.Changed {
			changed.Store(true)
		}
		mu.Lock()
		applied[svc.Name] = a
		mu.Unlock()
		started()
		if !sp.Await {
			return nil
		}
		return conv.Await(ctx, sp, a)
	})
	return changed.Load(), err
}

// handleOrphans removes the plan's orphans when it says so, and else names
// them so the user knows.
func (o *Orchestrator) handleOrphans(ctx context.Context, st *stack.Stack, plan Plan) error {
	if len(plan.Orphans) == 0 {
		return nil
	}
	if !plan.RemoveOrphans {
		names := make([]string, len(plan.Orphans))
		for i, c := range plan.Orphans {
			names[i] = c.Name
		}
		o.reportWarning("stack "+st.Project, "orphans", fmt.Sprintf("containers of services the stack no longer has: %s; up --remove-orphans removes them", strings.Join(names, ", ")))
		return nil
	}
	return o.Backend.Remove(ctx, plan.Orphans, DefaultGracePeriod)
}

// firstInstance is the progress resource of the service's first instance.
func firstInstance(names Naming, st *stack.Stack, svc *stack.Service) string {
	kind := names.InstanceKind()
	if n := names.InstanceNames(st, svc); len(n) > 0 {
		return kind + " " + n[0]
	}
	return kind + " " + svc.Name
}
