package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
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
	// Converged, when set, is called once convergence has succeeded and
	// Up changes nothing more, before the closing ps.
	Converged func()
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
var ErrDependencyFailed = errors.New("dependency failed")

// Up converges the stack: images, networks and volumes first, then each
// service once its dependencies meet their conditions, independent services
// in parallel. Only what differs from the wanted state changes.
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
	r := &upRun{
		o: o, st: st, opts: opts,
		milestones:      map[string]*milestones{},
		containers:      map[string][]string{},
		changedServices: map[string]bool{},
	}

	imageIDs, prepared, err := o.Backend.Prepare(ctx, st, opts.Build)
	if err != nil {
		return UpResult{}, err
	}
	if prepared {
		r.MarkChanged()
	}
	obs, err := o.Backend.Observe(ctx, st, imageIDs)
	if err != nil {
		return UpResult{}, err
	}
	plan, err := reconcile(st, obs, o.Backend, opts.RemoveOrphans)
	if err != nil {
		return UpResult{}, err
	}
	if err := o.handleOrphans(ctx, st, plan); err != nil {
		return UpResult{}, err
	}
	if plan.RemoveOrphans && len(plan.Orphans) > 0 {
		r.MarkChanged()
	}
	for _, sp := range plan.Services {
		r.milestones[sp.Service.Name] = newMilestones()
	}
	r.markNeeded()
	r.converger = o.Backend.Converge(r, plan.Services)

	if err := r.run(ctx, plan.Services); err != nil {
		if undo := r.converger.Abandon(context.WithoutCancel(ctx)); undo != nil {
			err = errors.Join(err, fmt.Errorf("after the failure: %w", undo))
		}
		return UpResult{Changed: r.changed.Load()}, err
	}
	if opts.Converged != nil {
		opts.Converged()
	}
	containers, err := o.closingPS(ctx, st, r.knownInstances())
	if err != nil {
		return UpResult{Changed: r.changed.Load()}, err
	}
	return UpResult{Changed: r.changed.Load(), Containers: containers}, nil
}

// knowingPS is a backend whose ps can start from instances the caller
// knows, by ID, instead of waiting for its list of them first.
type knowingPS interface {
	PSKnowing(ctx context.Context, st *stack.Stack, known []string) ([]ContainerStatus, error)
}

// closingPS is up's closing ps, started from the instances the run has
// just converged when the backend can.
func (o *Orchestrator) closingPS(ctx context.Context, st *stack.Stack, known []string) ([]ContainerStatus, error) {
	if k, ok := o.Backend.(knowingPS); ok {
		return k.PSKnowing(ctx, st, known)
	}
	return o.PS(ctx, st)
}

// upRun is one convergence in progress.
type upRun struct {
	o          *Orchestrator
	st         *stack.Stack
	opts       UpOptions
	milestones map[string]*milestones
	// needReady holds the services something waits to be ready.
	needReady map[string]bool
	changed   atomic.Bool
	converger Converger

	mu sync.Mutex
	// containers holds each converged service's container IDs, and
	// changedServices whether convergence changed anything of it.
	containers      map[string][]string
	changedServices map[string]bool
}

// milestones are what a service's dependents wait on. ready means healthy
// for a service with a healthcheck, completed for a one-shot, started
// otherwise.
type milestones struct {
	started, ready, failed chan struct{}
	startOnce, readyOnce   sync.Once
}

func newMilestones() *milestones {
	return &milestones{started: make(chan struct{}), ready: make(chan struct{}), failed: make(chan struct{})}
}

func (m *milestones) markStarted() { m.startOnce.Do(func() { close(m.started) }) }
func (m *milestones) markReady()   { m.readyOnce.Do(func() { close(m.ready) }) }

func (r *upRun) markNeeded() {
	r.needReady = map[string]bool{}
	for _, svc := range r.st.Services {
		if !r.opts.NoWait {
			r.needReady[svc.Name] = true
		}
		for _, d := range svc.DependsOn {
			if d.Condition != stack.ServiceStarted {
				r.needReady[d.Service] = true
			}
		}
	}
}

// run converges every service in its own goroutine, each gated on its
// dependencies. The first real failure cancels the rest; services that
// only failed because a dependency did are not reported again.
func (r *upRun) run(ctx context.Context, plans []ServicePlan) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
	)
	for _, plan := range plans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := r.milestones[plan.Service.Name]
			if err := r.converge(ctx, plan, m); err != nil {
				close(m.failed)
				mu.Lock()
				defer mu.Unlock()
				secondary := errors.Is(err, ErrDependencyFailed) ||
					(errors.Is(err, context.Canceled) && len(failures) > 0)
				if !secondary {
					failures = append(failures, err)
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		return errors.Join(failures...)
	}
	return ctx.Err()
}

// converge brings one service to its wanted state once its dependencies
// allow it.
func (r *upRun) converge(ctx context.Context, plan ServicePlan, m *milestones) error {
	svc := plan.Service
	if err := r.converger.Stage(ctx, &plan); err != nil {
		return err
	}
	// The gates decide when an instance may start; a service with nothing
	// to start need not wait for them.
	if plan.Changes() {
		if err := r.waitForDependencies(ctx, svc); err != nil {
			return err
		}
	}
	ids, err := r.converger.Apply(ctx, plan)
	if err != nil {
		return err
	}
	r.recordContainers(svc.Name, slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" }), plan.Changes())
	m.markStarted()
	if !r.needReady[svc.Name] {
		return nil
	}
	if err := r.converger.Await(ctx, plan, ids); err != nil {
		return err
	}
	m.markReady()
	return nil
}

// knownInstances are the IDs of every instance the run converged.
func (r *upRun) knownInstances() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for _, service := range slices.Sorted(maps.Keys(r.containers)) {
		ids = append(ids, r.containers[service]...)
	}
	return ids
}

func (r *upRun) recordContainers(service string, ids []string, changed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.containers[service] = ids
	r.changedServices[service] = changed
}

// Stack, Options, MarkChanged, Instances and NeedsHealthy are what the
// backend sees of the run (Run).
func (r *upRun) Stack() *stack.Stack { return r.st }
func (r *upRun) Options() UpOptions  { return r.opts }
func (r *upRun) MarkChanged()        { r.changed.Store(true) }

func (r *upRun) Instances(service string) (ids []string, changed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.containers[service], r.changedServices[service]
}

func (r *upRun) waitForDependencies(ctx context.Context, svc *stack.Service) error {
	for _, d := range svc.DependsOn {
		m := r.milestones[d.Service]
		gate := m.ready
		if d.Condition == stack.ServiceStarted {
			gate = m.started
		}
		select {
		case <-gate:
			continue
		default:
		}
		// On the line of the service's (first) container, which its
		// start then updates.
		r.o.report(r.firstInstance(svc), "waiting", fmt.Sprintf("for %s (%s)", d.Service, d.Condition))
		select {
		case <-gate:
		case <-m.failed:
			return fmt.Errorf("service %s: %w: %s", svc.Name, ErrDependencyFailed, d.Service)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
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

// NeedsHealthy names a service that waits for service to be healthy.
func (r *upRun) NeedsHealthy(service string) string {
	for _, svc := range r.st.Services {
		for _, d := range svc.DependsOn {
			if d.Service == service && d.Condition == stack.ServiceHealthy {
				return svc.Name
			}
		}
	}
	return ""
}

// firstInstance is the progress resource of the service's first instance.
func (r *upRun) firstInstance(svc *stack.Service) string {
	kind := r.o.Backend.InstanceKind()
	if names := r.o.Backend.InstanceNames(r.st, svc); len(names) > 0 {
		return kind + " " + names[0]
	}
	return kind + " " + svc.Name
}
