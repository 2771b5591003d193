package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
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

// errDependencyFailed marks a service that did not start because a
// dependency failed; the dependency's own error is the one to show.
var errDependencyFailed = errors.New("dependency failed")

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
		liveBalancers:   map[string]*balancer{},
		containers:      map[string][]string{},
		changedServices: map[string]bool{},
	}

	imageIDs, built, err := o.ensureImages(ctx, st, opts.Build)
	if err != nil {
		return UpResult{}, err
	}
	created, err := o.ensureResources(ctx, st)
	if err != nil {
		return UpResult{}, err
	}
	if built || created {
		r.changed.Store(true)
	}

	all, err := o.engine.ContainerList(ctx, nil)
	if err != nil {
		return UpResult{}, err
	}
	all = withoutOneOffs(all)
	byName := make(map[string]engine.ContainerSummary, len(all))
	for _, c := range all {
		byName[c.Name] = c
	}
	if err := o.handleOrphans(ctx, st, all, opts.RemoveOrphans); err != nil {
		return UpResult{}, err
	}
	plans := make([]servicePlan, 0, len(st.Services))
	for i := range st.Services {
		svc := &st.Services[i]
		plan, err := planService(st, svc, st.ConfigHash(svc, imageIDs[svc.Image]), byName)
		if err != nil {
			return UpResult{}, err
		}
		plans = append(plans, plan)
		r.milestones[svc.Name] = newMilestones()
		if lb := svc.LoadBalancer; lb != nil && len(plan.steps) == 1 && plan.steps[0].action == keep && plan.steps[0].current.State == "running" {
			c := plan.steps[0].current
			r.liveBalancers[lb.Target] = &balancer{o: o, st: st, service: svc, id: c.ID, name: c.Name}
		}
	}
	r.markNeeded()

	if err := r.run(ctx, plans); err != nil {
		return UpResult{Changed: r.changed.Load()}, err
	}
	containers, err := o.PS(ctx, st)
	if err != nil {
		return UpResult{Changed: r.changed.Load()}, err
	}
	return UpResult{Changed: r.changed.Load(), Containers: containers}, nil
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
	// liveBalancers are the running load balancers, by balanced service.
	liveBalancers map[string]*balancer

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
func (r *upRun) run(ctx context.Context, plans []servicePlan) error {
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
			m := r.milestones[plan.service.Name]
			if err := r.converge(ctx, plan, m); err != nil {
				close(m.failed)
				mu.Lock()
				defer mu.Unlock()
				secondary := errors.Is(err, errDependencyFailed) ||
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
func (r *upRun) converge(ctx context.Context, plan servicePlan, m *milestones) error {
	svc := plan.service
	// Creating a container needs nothing of its dependencies, so new
	// containers are created while the dependencies start; only their
	// start waits for the gates.
	for i, s := range plan.steps {
		if s.action != create {
			continue
		}
		id, err := r.create(ctx, plan, s)
		if err != nil {
			return err
		}
		plan.steps[i] = step{action: start, name: s.name, replica: s.replica, current: &engine.ContainerSummary{ID: id, Name: s.name}}
	}
	// The gates decide when a container may start; a service with nothing
	// to start need not wait for them.
	if plan.changes() {
		if err := r.waitForDependencies(ctx, svc); err != nil {
			return err
		}
	}
	var (
		ids []string
		err error
	)
	if b := r.liveBalancers[svc.Name]; b != nil && plan.changes() {
		ids, err = r.rollOut(ctx, plan, b)
	} else {
		ids, err = r.applyAll(ctx, plan)
	}
	if err != nil {
		return err
	}
	r.recordContainers(svc.Name, ids, plan.changes())
	m.markStarted()
	if !r.needReady[svc.Name] {
		return nil
	}
	if err := r.waitReady(ctx, svc, plan, ids); err != nil {
		return err
	}
	m.markReady()
	return nil
}

// applyAll carries out a service's steps, replicas in parallel, and then
// removes its surplus containers: once the wanted ones are ready, so that
// the service never has fewer ready containers than it needs.
func (r *upRun) applyAll(ctx context.Context, plan servicePlan) ([]string, error) {
	ids := make([]string, len(plan.steps))
	err := forEachIndex(len(plan.steps), func(i int) error {
		id, err := r.apply(ctx, plan, plan.steps[i])
		ids[i] = id
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(plan.surplus) == 0 {
		return ids, nil
	}
	if err := r.waitReady(ctx, plan.service, plan, ids); err != nil {
		return nil, err
	}
	err = forEach(plan.surplus, func(c engine.ContainerSummary) error {
		return r.o.removeContainer(ctx, plan.service, c.ID, c.Name)
	})
	r.changed.Store(true)
	return ids, err
}

func (r *upRun) recordContainers(service string, ids []string, changed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.containers[service] = ids
	r.changedServices[service] = changed
}

func (r *upRun) containersOf(service string) (ids []string, changed bool) {
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
		r.o.report("container "+r.st.ContainerName(svc, 1), "waiting", fmt.Sprintf("for %s (%s)", d.Service, d.Condition))
		select {
		case <-gate:
		case <-m.failed:
			return fmt.Errorf("service %s: %w: %s", svc.Name, errDependencyFailed, d.Service)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// apply carries out one planned step and returns the container's ID.
func (r *upRun) apply(ctx context.Context, plan servicePlan, s step) (string, error) {
	svc := plan.service
	switch s.action {
	case keep:
		if svc.OneShot && s.current.State == "exited" {
			return s.current.ID, r.rerunIfFailed(ctx, svc, s)
		}
		if svc.LoadBalancer != nil && s.current.State == "running" {
			return s.current.ID, r.refreshBalancer(ctx, svc, s.current.ID, s.name)
		}
		return s.current.ID, nil
	case start:
		r.changed.Store(true)
		return s.current.ID, r.start(ctx, svc, s.current.ID, s.name)
	case recreate:
		r.changed.Store(true)
		return r.replace(ctx, plan, s)
	}
	id, err := r.create(ctx, plan, s)
	if err != nil {
		return "", err
	}
	return id, r.start(ctx, svc, id, s.name)
}

// create creates the container of one step, without starting it.
func (r *upRun) create(ctx context.Context, plan servicePlan, s step) (string, error) {
	r.changed.Store(true)
	r.o.report("container "+s.name, "creating", "")
	id, err := r.o.engine.ContainerCreate(ctx, containerSpec(r.st, plan.service, s.name, s.replica, plan.hash))
	if errors.Is(err, engine.ErrConflict) {
		return "", &NotOwnedError{Kind: "container", Name: s.name, Project: r.st.ProjectName()}
	}
	return id, err
}

// replace recreates an out-of-date container with the least downtime a
// single container allows: the new one is created while the old one still
// runs (under a parked name), the old one stops, the new one starts. If the
// new one cannot start, the old one is put back.
func (r *upRun) replace(ctx context.Context, plan servicePlan, s step) (string, error) {
	svc, old := plan.service, s.current
	parked := s.name + "-" + shortID(old.ID)
	if err := r.o.engine.ContainerRename(ctx, old.ID, parked); err != nil {
		return "", err
	}
	restore := func() {
		ctx := context.WithoutCancel(ctx)
		_ = r.o.engine.ContainerRename(ctx, old.ID, s.name)
		if old.State == "running" {
			_ = r.o.engine.ContainerStart(ctx, old.ID)
		}
	}
	id, err := r.create(ctx, plan, s)
	if err != nil {
		restore()
		return "", err
	}
	r.o.report("container "+parked, "stopping", "replaced by a new "+s.name)
	if err := r.o.engine.ContainerStop(ctx, old.ID, gracePeriod(svc)); err != nil && !errors.Is(err, engine.ErrNotFound) {
		_ = r.o.engine.ContainerRemove(context.WithoutCancel(ctx), id)
		restore()
		return "", err
	}
	if err := r.start(ctx, svc, id, s.name); err != nil {
		_ = r.o.engine.ContainerRemove(context.WithoutCancel(ctx), id)
		restore()
		return "", err
	}
	if err := r.o.engine.ContainerRemove(ctx, old.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return "", err
	}
	r.o.report("container "+parked, "removed", "")
	return id, nil
}

// start starts a container; a load balancer gets its configuration first.
func (r *upRun) start(ctx context.Context, svc *stack.Service, id, name string) error {
	if svc.LoadBalancer != nil {
		targets, _ := r.containersOf(svc.LoadBalancer.Target)
		addresses, err := r.o.replicaAddresses(ctx, r.st, svc, targets)
		if err != nil {
			return err
		}
		b := &balancer{o: r.o, st: r.st, service: svc, id: id, name: name}
		if err := b.configure(ctx, addresses, false); err != nil {
			return err
		}
	}
	return r.o.startContainer(ctx, svc, id, name)
}

// refreshBalancer points a running load balancer at its target's current
// replicas when the target changed in this run and was not rolled out
// through it.
func (r *upRun) refreshBalancer(ctx context.Context, svc *stack.Service, id, name string) error {
	targets, changed := r.containersOf(svc.LoadBalancer.Target)
	if !changed {
		return nil
	}
	b := r.liveBalancers[svc.LoadBalancer.Target]
	if b == nil {
		b = &balancer{o: r.o, st: r.st, service: svc, id: id, name: name}
	}
	addresses, err := r.o.replicaAddresses(ctx, r.st, svc, targets)
	if err != nil {
		return err
	}
	return b.configure(ctx, addresses, true)
}

// rerunIfFailed starts again a one-shot whose last run failed for good; a
// one-shot that succeeded stays done.
func (r *upRun) rerunIfFailed(ctx context.Context, svc *stack.Service, s step) error {
	c, err := r.o.engine.ContainerInspect(ctx, s.current.ID)
	if err != nil {
		return err
	}
	if c.ExitCode == 0 || willRestart(c) {
		return nil
	}
	if err := r.waitForDependencies(ctx, svc); err != nil {
		return err
	}
	r.changed.Store(true)
	return r.o.startContainer(ctx, svc, s.current.ID, s.name)
}

func (o *Orchestrator) startContainer(ctx context.Context, svc *stack.Service, id, name string) error {
	if err := o.engine.ContainerStart(ctx, id); err != nil {
		if errors.Is(err, engine.ErrPortInUse) {
			return &PortInUseError{Container: name, Ports: hostPorts(svc.Ports), Err: err}
		}
		return err
	}
	o.report("container "+name, "started", "")
	return nil
}

// hostPorts names the host ports a service publishes, for messages.
func hostPorts(ports []stack.Port) string {
	names := make([]string, 0, len(ports))
	for _, p := range ports {
		names = append(names, strconv.Itoa(p.HostPort))
	}
	return strings.Join(names, ", ")
}

// removeContainer stops a container within its service's grace period and
// removes it.
func (o *Orchestrator) removeContainer(ctx context.Context, svc *stack.Service, id, name string) error {
	return o.stopAndRemove(ctx, id, name, gracePeriod(svc))
}

// defaultGracePeriod is the engine's own default stop timeout.
const defaultGracePeriod = 10 * time.Second

func gracePeriod(svc *stack.Service) time.Duration {
	if svc == nil || svc.StopGracePeriod <= 0 {
		return defaultGracePeriod
	}
	return svc.StopGracePeriod
}

// handleOrphans deals with the project's containers whose service the
// stack no longer has: removed when asked, else named so the user knows.
func (o *Orchestrator) handleOrphans(ctx context.Context, st *stack.Stack, all []engine.ContainerSummary, remove bool) error {
	var orphans []engine.ContainerSummary
	for _, c := range all {
		if c.Labels[stack.LabelProject] != st.Project {
			continue
		}
		if _, ok := st.Service(c.Labels[stack.LabelService]); !ok {
			orphans = append(orphans, c)
		}
	}
	if len(orphans) == 0 {
		return nil
	}
	if !remove {
		names := make([]string, len(orphans))
		for i, c := range orphans {
			names[i] = c.Name
		}
		o.reportWarning("stack "+st.Project, "orphans", fmt.Sprintf("containers of services the stack no longer has: %s; up --remove-orphans removes them", strings.Join(names, ", ")))
		return nil
	}
	return forEach(orphans, func(c engine.ContainerSummary) error {
		return o.stopAndRemove(ctx, c.ID, c.Name, defaultGracePeriod)
	})
}
