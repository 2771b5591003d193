package docker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// applyAll carries out a service's steps, replicas in parallel, and then
// removes its surplus containers: once the wanted ones are ready, so that
// the service never has fewer ready containers than it needs.
func (r *dockerRun) applyAll(ctx context.Context, plan orchestrator.ServicePlan) ([]string, error) {
	ids := make([]string, len(plan.Steps))
	err := forEachIndex(len(plan.Steps), func(i int) error {
		id, err := r.apply(ctx, plan, plan.Steps[i])
		ids[i] = id
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(plan.Surplus) == 0 {
		return ids, nil
	}
	if err := r.waitReady(ctx, plan.Service, plan, ids); err != nil {
		return nil, err
	}
	err = forEach(plan.Surplus, func(c orchestrator.Instance) error {
		return r.b.removeContainer(ctx, plan.Service, c.ID, c.Name)
	})
	r.run.MarkChanged()
	return ids, err
}

// apply carries out one planned step and returns the container's ID.
func (r *dockerRun) apply(ctx context.Context, plan orchestrator.ServicePlan, s orchestrator.Step) (string, error) {
	svc := plan.Service
	switch s.Action {
	case orchestrator.Done:
		return "", nil // nothing runs: the one-shot completed before
	case orchestrator.Keep:
		if svc.LoadBalancer != nil && s.Current.State == "running" {
			return s.Current.ID, r.refreshBalancer(ctx, svc, s.Current.ID, s.Name)
		}
		return s.Current.ID, nil
	case orchestrator.Start:
		r.run.MarkChanged()
		return s.Current.ID, r.startStaged(ctx, svc, s)
	case orchestrator.Restart:
		r.run.MarkChanged()
		r.b.report("container "+s.Name, "restarting", s.Why)
		if err := r.b.engine.ContainerStop(ctx, s.Current.ID, gracePeriod(svc)); err != nil {
			return "", err
		}
		return s.Current.ID, r.start(ctx, svc, s.Current.ID, s.Name)
	case orchestrator.Recreate:
		r.run.MarkChanged()
		return r.replace(ctx, plan, s)
	case orchestrator.Scale:
		// A container is one replica: reconcile never scales one.
		return "", fmt.Errorf("container %s: a container cannot be scaled, only replaced", s.Name)
	}
	id, _, err := r.create(ctx, plan, s, false)
	if err != nil {
		return "", err
	}
	return id, r.start(ctx, svc, id, s.Name)
}

// create creates the container of one step, without starting it; held,
// behind a start gate, whose token it returns.
func (r *dockerRun) create(ctx context.Context, plan orchestrator.ServicePlan, s orchestrator.Step, held bool) (id, token string, err error) {
	r.run.MarkChanged()
	r.b.report("container "+s.Name, "creating", "")
	spec := containerSpec(r.st, plan.Service, s.Name, s.Replica, plan.Hash)
	img, err := r.b.engine.ImageInspect(ctx, spec.Image)
	if err != nil {
		return "", "", err
	}
	if err := r.nameUnnamedVolumes(ctx, plan.Service, s.Replica, img, &spec); err != nil {
		return "", "", err
	}
	secrets := unnamedVolumeName(r.st, plan.Service, s.Replica, stack.SecretsDir)
	made, finishSecrets, err := r.b.ensureSecrets(ctx, r.st, plan.Service, secrets, fmt.Sprintf("%s-%d", plan.Service.Name, s.Replica))
	if err != nil {
		return "", "", err
	}
	if made {
		r.run.MarkChanged()
	}
	mountSecrets(plan.Service, secrets, &spec)
	if held {
		if token, err = r.b.holdSpec(ctx, r.st, plan.Service, img, &spec); err != nil {
			return "", "", err
		}
	}
	id, err = r.b.engine.ContainerCreate(ctx, spec)
	if finishSecrets != nil {
		if err != nil {
			_ = finishSecrets(context.WithoutCancel(ctx), "")
		} else if err := finishSecrets(ctx, id); err != nil {
			// A container whose secrets are not where it looks is no
			// use: the next run makes it again.
			_ = r.b.engine.ContainerRemove(context.WithoutCancel(ctx), id)
			return "", "", fmt.Errorf("service %s: container %s: %w", plan.Service.Name, s.Name, err)
		}
	}
	if errors.Is(err, engine.ErrConflict) {
		return "", "", &orchestrator.NotOwnedError{Kind: "container", Name: s.Name, Project: r.st.ProjectName()}
	}
	return id, token, err
}

// replace recreates an out-of-date container with the least downtime a
// single container allows: the new one is created while the old one still
// runs (under a parked name), the old one stops, the new one starts. If the
// new one cannot start, the old one is put back.
func (r *dockerRun) replace(ctx context.Context, plan orchestrator.ServicePlan, s orchestrator.Step) (string, error) {
	svc := plan.Service
	w, err := r.park(ctx, s)
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) { return "", errors.Join(err, w.undo(ctx)) }
	if err := w.create(ctx, plan, s); err != nil {
		return fail(err)
	}
	r.b.report("container "+w.parked, "stopping", "replaced by a new "+s.Name)
	if err := r.b.engine.ContainerStop(ctx, w.old.ID, gracePeriod(svc)); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return fail(err)
	}
	if err := r.start(ctx, svc, w.newID, s.Name); err != nil {
		return fail(err)
	}
	return w.newID, w.finish(ctx)
}

// start starts a container; a load balancer gets its configuration first.
func (r *dockerRun) start(ctx context.Context, svc *stack.Service, id, name string) error {
	if svc.LoadBalancer != nil {
		targets, _ := r.run.Instances(svc.LoadBalancer.Target)
		addresses, err := r.b.replicaAddresses(ctx, r.st, svc, targets)
		if err != nil {
			return err
		}
		b := &balancer{backend: r.b, st: r.st, service: svc, id: id, name: name}
		if err := b.configure(ctx, addresses, false); err != nil {
			return err
		}
	}
	if err := r.b.startContainer(ctx, svc, id, name); err != nil {
		return err
	}
	// A gated container that stopped before its gate opened holds again:
	// its dependencies are ready now. One whose gate opened before passes
	// it at once, and is only asked (a HEAD, where writing the marker
	// again costs the archive API's 55 ms).
	token, ok := r.b.gateTokens.Load(id)
	if !ok {
		return nil
	}
	closed, err := gateClosed(ctx, r.b.engine, id, token.(string))
	if err != nil {
		return fmt.Errorf("container %s: look at its start gate: %w", name, err)
	}
	if !closed {
		return nil
	}
	return r.b.openGate(ctx, r.st, id, name, token.(string))
}

// startStaged starts the container of a start step: a stopped one, or
// one Stage made; one that waits at its start gate is released.
func (r *dockerRun) startStaged(ctx context.Context, svc *stack.Service, s orchestrator.Step) error {
	if s.Current.State == heldState {
		return r.release(ctx, s.Current.ID, s.Name)
	}
	return r.start(ctx, svc, s.Current.ID, s.Name)
}

// refreshBalancer points a running load balancer at its target's current
// replicas when the target changed in this run and was not rolled out
// through it.
func (r *dockerRun) refreshBalancer(ctx context.Context, svc *stack.Service, id, name string) error {
	targets, changed := r.run.Instances(svc.LoadBalancer.Target)
	if !changed {
		return nil
	}
	b := r.liveBalancers[svc.LoadBalancer.Target]
	if b == nil {
		b = &balancer{backend: r.b, st: r.st, service: svc, id: id, name: name}
	}
	addresses, err := r.b.replicaAddresses(ctx, r.st, svc, targets)
	if err != nil {
		return err
	}
	return b.configure(ctx, addresses, true)
}

func (b *Backend) startContainer(ctx context.Context, svc *stack.Service, id, name string) error {
	if err := b.engineStart(ctx, svc, id, name); err != nil {
		return err
	}
	b.report("container "+name, "started", "")
	return nil
}

// engineStart starts a container; a start that failed for a host port in
// use names the service's ports.
func (b *Backend) engineStart(ctx context.Context, svc *stack.Service, id, name string) error {
	err := b.engine.ContainerStart(ctx, id)
	if errors.Is(err, engine.ErrPortInUse) {
		return &orchestrator.PortInUseError{Container: name, Ports: hostPorts(svc.Ports), Err: err}
	}
	return err
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
func (b *Backend) removeContainer(ctx context.Context, svc *stack.Service, id, name string) error {
	return b.stopAndRemove(ctx, id, name, gracePeriod(svc))
}

func gracePeriod(svc *stack.Service) time.Duration {
	if svc == nil || svc.StopGracePeriod <= 0 {
		return orchestrator.DefaultGracePeriod
	}
	return svc.StopGracePeriod
}
