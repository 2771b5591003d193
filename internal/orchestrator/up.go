package orchestrator

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/provider"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// UpResult says what Up did and how the stack stands.
type UpResult struct {
	// Changed is false when the stack was already as wanted and Up
	// created, started, built and removed nothing.
	Changed    bool
	Containers []backend.ContainerStatus
}

// ErrDependencyFailed marks a service that did not start because a
// dependency failed; the dependency's own error is the one to show.
var ErrDependencyFailed = walk.ErrDependencyFailed

// Up converges the stack: images, networks and volumes first, then every
// missing instance created, then each service started once its
// dependencies meet their conditions, independent services in parallel.
// Only what differs from the wanted state changes.
//
// The provider services among them, or that they depend on, run first
// (see provider.go), so that their dependents are made with their
// variables.
func (o *Orchestrator) Up(ctx context.Context, st *stack.Stack, opts backend.UpOptions) (UpResult, error) {
	if len(opts.Services) == 0 {
		if err := o.runProviders(ctx, st, st.ProvidersFor(nil), provider.Up); err != nil {
			return UpResult{}, err
		}
		return o.up(ctx, st, opts, true)
	}
	services, providers := splitProviders(st, opts.Services)
	if err := backend.CheckServices(st, services); err != nil {
		return UpResult{}, err
	}
	if !opts.NoDeps {
		providers = append(providers, st.Select(services, true).ServiceNames()...)
	}
	if err := o.runProviders(ctx, st, st.ProvidersFor(providers), provider.Up); err != nil {
		return UpResult{}, err
	}
	if len(services) == 0 {
		return UpResult{Changed: true}, nil // providers only: nothing of the backend's to converge
	}
	opts.Services = services
	return o.up(ctx, st.Select(services, !opts.NoDeps), opts, false)
}

// up is Up; a stack that is part of its project (some of its services, or
// run's dependencies) has no orphans to name or remove.
func (o *Orchestrator) up(ctx context.Context, st *stack.Stack, opts backend.UpOptions, whole bool) (UpResult, error) {
	if err := st.Validate(); err != nil {
		return UpResult{}, fmt.Errorf("invalid stack: %w", err)
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = backend.DefaultWaitTimeout
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
	if !whole {
		plan.Orphans = nil
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
// nothing of the dependencies but the containers it is made with (see
// stack.Service.CreatedAfter), whose creation it waits for; then the walk
// applies each service once its dependencies meet their conditions, and
// waits for it to be ready when the plan says so.
func (o *Orchestrator) execute(ctx context.Context, st *stack.Stack, plan backend.Plan, opts backend.UpOptions) (bool, error) {
	conv := o.Backend.Converge(st, plan, opts)
	index := make(map[string]int, len(plan.Services))
	for i, sp := range plan.Services {
		index[sp.Service.Name] = i
	}
	var changed atomic.Bool
	created := make([][]string, len(plan.Services))
	madeAll := make([]chan struct{}, len(plan.Services))
	for i := range madeAll {
		madeAll[i] = make(chan struct{})
	}
	err := walk.Each(createOrder(plan.Services), func(sp backend.ServicePlan) error {
		defer close(madeAll[index[sp.Service.Name]])
		for _, name := range sp.Service.CreatedAfter() {
			i, ok := index[name]
			if !ok {
				continue // not in this plan: its containers exist or up fails on them
			}
			select {
			case <-madeAll[i]:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		ids, err := conv.Create(ctx, sp)
		created[index[sp.Service.Name]] = ids
		if slices.ContainsFunc(ids, func(id string) bool { return id != "" }) {
			changed.Store(true)
		}
		return err
	})
	if err != nil || opts.NoStart {
		return changed.Load(), err
	}
	var mu sync.Mutex
	applied := map[string]backend.Applied{}
	waiting := func(svc *stack.Service, d stack.Dependency) {
		// A service that has nothing to start (a one-shot done before)
		// waits too, as its dependents wait for it, but says nothing.
		if !plan.Services[index[svc.Name]].Changes() {
			return
		}
		// On the line of the service's first instance, which its start
		// then updates.
		o.report(firstInstance(o.Backend, st, svc), "waiting", fmt.Sprintf("for %s (%s)", d.Service, d.Condition))
	}
	err = walk.Forward(ctx, st, waiting, func(ctx context.Context, svc *stack.Service, started walk.Started) error {
		i := index[svc.Name]
		sp := plan.Services[i]
		mu.Lock()
		upstream := map[string]backend.Applied{}
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

// createOrder puts each service after those it is created after: walk.Each
// starts them in order, at most walk.Limit at once, so a service that waits
// for another's creation never holds the slot that one needs.
func createOrder(services []backend.ServicePlan) []backend.ServicePlan {
	out := make([]backend.ServicePlan, 0, len(services))
	placed := map[string]bool{}
	for len(out) < len(services) {
		progress := false
		for _, sp := range services {
			if placed[sp.Service.Name] {
				continue
			}
			ready := true
			for _, name := range sp.Service.CreatedAfter() {
				known := slices.ContainsFunc(services, func(o backend.ServicePlan) bool { return o.Service.Name == name })
				ready = ready && (!known || placed[name])
			}
			if ready {
				out = append(out, sp)
				placed[sp.Service.Name] = true
				progress = true
			}
		}
		if !progress {
			// A cycle, which the loader refuses first: keep the rest as is.
			for _, sp := range services {
				if !placed[sp.Service.Name] {
					out = append(out, sp)
					placed[sp.Service.Name] = true
				}
			}
		}
	}
	return out
}

// handleOrphans removes the plan's orphans when it says so, and else names
// them so the user knows.
func (o *Orchestrator) handleOrphans(ctx context.Context, st *stack.Stack, plan backend.Plan) error {
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
	return o.Backend.Remove(ctx, plan.Orphans, backend.DefaultGracePeriod)
}

// firstInstance is the progress resource of the service's first instance.
func firstInstance(names backend.Naming, st *stack.Stack, svc *stack.Service) string {
	kind := names.InstanceKind()
	if n := names.InstanceNames(st, svc); len(n) > 0 {
		return kind + " " + n[0]
	}
	return kind + " " + svc.Name
}
