package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// applyAll carries out a service's steps, replicas in parallel, and then
// removes its surplus containers: once the wanted ones are ready, so that
// the service never has fewer ready containers than it needs.
func (r *dockerRun) applyAll(ctx context.Context, plan servicePlan) ([]string, error) {
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
	err = forEach(plan.surplus, func(c Instance) error {
		return r.o.removeContainer(ctx, plan.service, c.ID, c.Name)
	})
	r.run.MarkChanged()
	return ids, err
}

// apply carries out one planned step and returns the container's ID.
func (r *dockerRun) apply(ctx context.Context, plan servicePlan, s step) (string, error) {
	svc := plan.service
	switch s.action {
	case done:
		return "", nil // nothing runs: the one-shot completed before
	case keep:
		if svc.LoadBalancer != nil && s.current.State == "running" {
			return s.current.ID, r.refreshBalancer(ctx, svc, s.current.ID, s.name)
		}
		return s.current.ID, nil
	case start:
		r.run.MarkChanged()
		return s.current.ID, r.start(ctx, svc, s.current.ID, s.name)
	case restart:
		r.run.MarkChanged()
		r.o.report("container "+s.name, "restarting", s.why)
		if err := r.o.engine.ContainerStop(ctx, s.current.ID, gracePeriod(svc)); err != nil {
			return "", err
		}
		return s.current.ID, r.start(ctx, svc, s.current.ID, s.name)
	case recreate:
		r.run.MarkChanged()
		return r.replace(ctx, plan, s)
	}
	id, err := r.create(ctx, plan, s)
	if err != nil {
		return "", err
	}
	return id, r.start(ctx, svc, id, s.name)
}

// create creates the container of one step, without starting it.
func (r *dockerRun) create(ctx context.Context, plan servicePlan, s step) (string, error) {
	r.run.MarkChanged()
	r.o.report("container "+s.name, "creating", "")
	spec := containerSpec(r.st, plan.service, s.name, s.replica, plan.hash)
	if err := r.nameUnnamedVolumes(ctx, plan.service, s.replica, &spec); err != nil {
		return "", err
	}
	secrets := unnamedVolumeName(r.st, plan.service, s.replica, stack.SecretsDir)
	made, err := r.o.writeSecrets(ctx, r.st, plan.service, secrets, fmt.Sprintf("%s-%d", plan.service.Name, s.replica))
	if err != nil {
		return "", err
	}
	if made {
		r.run.MarkChanged()
	}
	mountSecrets(plan.service, secrets, &spec)
	id, err := r.o.engine.ContainerCreate(ctx, spec)
	if errors.Is(err, engine.ErrConflict) {
		return "", &NotOwnedError{Kind: "container", Name: s.name, Project: r.st.ProjectName()}
	}
	return id, err
}

// replace recreates an out-of-date container with the least downtime a
// single container allows: the new one is created while the old one still
// runs (under a parked name), the old one stops, the new one starts. If the
// new one cannot start, the old one is put back.
func (r *dockerRun) replace(ctx context.Context, plan servicePlan, s step) (string, error) {
	svc := plan.service
	w, err := r.park(ctx, s)
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) { return "", errors.Join(err, w.undo(ctx)) }
	if err := w.create(ctx, plan, s); err != nil {
		return fail(err)
	}
	r.o.report("container "+w.parked, "stopping", "replaced by a new "+s.name)
	if err := r.o.engine.ContainerStop(ctx, w.old.ID, gracePeriod(svc)); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return fail(err)
	}
	if err := r.start(ctx, svc, w.newID, s.name); err != nil {
		return fail(err)
	}
	return w.newID, w.finish(ctx)
}

// start starts a container; a load balancer gets its configuration first.
func (r *dockerRun) start(ctx context.Context, svc *stack.Service, id, name string) error {
	if svc.LoadBalancer != nil {
		targets, _ := r.run.Instances(svc.LoadBalancer.Target)
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
func (r *dockerRun) refreshBalancer(ctx context.Context, svc *stack.Service, id, name string) error {
	targets, changed := r.run.Instances(svc.LoadBalancer.Target)
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
