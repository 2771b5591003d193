package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// applyAll carries out a service's steps, replicas in parallel, and then
// removes its surplus containers: once the wanted ones are ready, so that
// the service never has fewer ready containers than it needs.
func (r *dockerRun) applyAll(ctx context.Context, plan backend.ServicePlan, created []string, upstream map[string]backend.Applied) (backend.Applied, error) {
	ids := make([]string, len(plan.Steps))
	changed := make([]bool, len(plan.Steps))
	inTurn := plan.Replace != backend.ReplaceAtOnce
	err := walk.Each(indices(plan.Steps), func(i int) error {
		if inTurn && plan.Steps[i].Action == backend.Recreate {
			return nil
		}
		var err error
		ids[i], changed[i], err = r.apply(ctx, plan, plan.Steps[i], created[i], upstream)
		return err
	})
	for i, s := range plan.Steps {
		if err != nil || !inTurn || s.Action != backend.Recreate {
			continue
		}
		ids[i], changed[i], err = r.apply(ctx, plan, s, created[i], upstream)
	}
	applied := backend.Applied{IDs: ids, Changed: slices.Contains(changed, true)}
	if err != nil || len(plan.Surplus) == 0 {
		return applied, err
	}
	if err := r.waitReady(ctx, plan, ids); err != nil {
		return applied, err
	}
	applied.Changed = true
	return applied, walk.Each(plan.Surplus, func(c backend.Instance) error {
		return r.b.removeContainer(ctx, plan.Service, c.ID, c.Name)
	})
}

// apply carries out one planned step and returns the container's ID and
// whether it changed anything. created is the container Create made for a
// create step.
func (r *dockerRun) apply(ctx context.Context, plan backend.ServicePlan, s backend.Step, created string, upstream map[string]backend.Applied) (string, bool, error) {
	svc := plan.Service
	switch s.Action {
	case backend.Done:
		return "", false, nil // nothing runs: the one-shot completed before
	case backend.Keep:
		if svc.LoadBalancer != nil && s.Current.State == "running" {
			return s.Current.ID, false, r.refreshBalancer(ctx, svc, s.Current.ID, s.Name, upstream)
		}
		return s.Current.ID, false, nil
	case backend.Create:
		return created, true, r.start(ctx, svc, created, s.Name, upstream)
	case backend.Start:
		return s.Current.ID, true, r.start(ctx, svc, s.Current.ID, s.Name, upstream)
	case backend.Restart:
		r.b.report("container "+s.Name, "restarting", s.Why)
		r.b.preStop(ctx, svc, s.Current.ID, s.Name)
		if err := r.b.engine.ContainerStop(ctx, s.Current.ID, r.grace(svc)); err != nil {
			return "", true, err
		}
		return s.Current.ID, true, r.start(ctx, svc, s.Current.ID, s.Name, upstream)
	case backend.Recreate:
		id, err := r.replace(ctx, plan, s, upstream, plan.Replace == backend.ReplaceInTurnStartFirst)
		return id, true, err
	}
	// A container is one replica: reconcile never scales one.
	return "", false, fmt.Errorf("container %s: a container cannot be scaled, only replaced", s.Name)
}

// create creates the container of one step, without starting it.
func (r *dockerRun) create(ctx context.Context, plan backend.ServicePlan, s backend.Step) (string, error) {
	r.b.report("container "+s.Name, "creating", "")
	img, err := r.b.engine.ImageInspect(ctx, plan.Service.Image)
	if err != nil {
		return "", err
	}
	spec := containerSpec(r.st, plan.Service, s.Name, s.Replica, plan.Hash, img.ID)
	if err := r.nameUnnamedVolumes(ctx, plan.Service, s.Replica, img, &spec); err != nil {
		return "", err
	}
	secrets := unnamedVolumeName(r.st, plan.Service, s.Replica, stack.SecretsDir)
	if err := r.b.ensureSecrets(ctx, r.st, plan.Service, secrets, fmt.Sprintf("%s-%d", plan.Service.Name, s.Replica)); err != nil {
		return "", err
	}
	mountSecrets(plan.Service, secrets, &spec)
	id, err := r.b.engine.ContainerCreate(ctx, spec)
	if errors.Is(err, engine.ErrConflict) {
		return "", &backend.NotOwnedError{Kind: "container", Name: s.Name, Project: r.st.ProjectName()}
	}
	if err != nil {
		return "", fmt.Errorf("service %s: %w", plan.Service.Name, err)
	}
	if err := r.b.copyConfigs(ctx, plan.Service, id); err != nil {
		_ = r.b.engine.ContainerRemove(context.WithoutCancel(ctx), id)
		return "", err
	}
	return id, nil
}

// replace recreates an out-of-date container under its name, the old one
// parked under another meanwhile. Stop-first, the least downtime a single
// container allows: the new one is created while the old one still runs,
// the old one stops, the new one starts. Start-first (as the plan's
// Replace says): the new one starts, and is healthy and ready, before the
// old one stops. If the new one fails, it is removed and the old one gets
// its name back, running again if it ran.
func (r *dockerRun) replace(ctx context.Context, plan backend.ServicePlan, s backend.Step, upstream map[string]backend.Applied, startFirst bool) (string, error) {
	svc := plan.Service
	if s.Current.MadeBy != "" {
		r.b.report("container "+s.Name, "replacing", s.Why)
	}
	w, err := r.park(ctx, s)
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) { return "", errors.Join(err, w.undo(ctx)) }
	if err := w.create(ctx, plan, s); err != nil {
		return fail(err)
	}
	if startFirst {
		began := time.Now()
		if err := r.start(ctx, svc, w.newID, s.Name, upstream); err != nil {
			return fail(err)
		}
		err := r.waitStable(ctx, plan, w.newID, s.Name)
		if errors.Is(err, errNoHealthcheck) {
			// Started is all a container without any healthcheck can
			// be: it must still run at Compose's first look, and pass
			// its readiness probe if it has one.
			if err = r.b.stillRunning(ctx, svc, w.newID, s.Name, began); err == nil {
				err = r.b.waitReadiness(ctx, svc, w.newID, s.Name, r.opts.WaitTimeout)
			}
		}
		if err != nil {
			return fail(err)
		}
	}
	r.b.report("container "+w.parked, "stopping", "replaced by a new "+s.Name)
	r.b.preStop(ctx, svc, w.old.ID, w.parked)
	if err := r.b.engine.ContainerStop(ctx, w.old.ID, r.grace(svc)); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return fail(err)
	}
	if !startFirst {
		if err := r.start(ctx, svc, w.newID, s.Name, upstream); err != nil {
			return fail(err)
		}
	}
	return w.newID, w.finish(ctx)
}

// start starts a container; a load balancer gets its configuration first,
// from its target's replicas as this run left them (upstream).
func (r *dockerRun) start(ctx context.Context, svc *stack.Service, id, name string, upstream map[string]backend.Applied) error {
	if svc.LoadBalancer != nil {
		addresses, err := r.b.replicaAddresses(ctx, r.st, svc, running(upstream[svc.LoadBalancer.Target].IDs))
		if err != nil {
			return err
		}
		b := &balancer{backend: r.b, st: r.st, service: svc, id: id, name: name}
		if _, err := b.configure(ctx, addresses, false); err != nil {
			return err
		}
	}
	if err := r.runPreStart(ctx, svc, id); err != nil {
		return err
	}
	return r.b.startContainer(ctx, svc, id, name)
}

// running drops the steps that run nothing from a service's IDs.
func running(ids []string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
}

// refreshBalancer points a running load balancer at its target's current
// replicas when the target changed in this run and was not rolled out
// through it.
func (r *dockerRun) refreshBalancer(ctx context.Context, svc *stack.Service, id, name string, upstream map[string]backend.Applied) error {
	target := upstream[svc.LoadBalancer.Target]
	if !target.Changed {
		return nil
	}
	targets := running(target.IDs)
	b := r.liveBalancers[svc.LoadBalancer.Target]
	if b == nil {
		b = &balancer{backend: r.b, st: r.st, service: svc, id: id, name: name}
	}
	addresses, err := r.b.replicaAddresses(ctx, r.st, svc, targets)
	if err != nil {
		return err
	}
	_, err = b.configure(ctx, addresses, true)
	return err
}

func (b *Backend) startContainer(ctx context.Context, svc *stack.Service, id, name string) error {
	if err := b.engineStart(ctx, svc, id, name); err != nil {
		return err
	}
	b.report("container "+name, "started", "")
	return b.runHooks(ctx, svc, "post_start", svc.PostStart, id, name)
}

// engineStart starts a container; a start that failed for a host port in
// use names the service's ports.
func (b *Backend) engineStart(ctx context.Context, svc *stack.Service, id, name string) error {
	err := b.engine.ContainerStart(ctx, id)
	if errors.Is(err, engine.ErrPortInUse) {
		return &backend.PortInUseError{Container: name, Ports: hostPorts(svc.Ports), Err: err}
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
	b.preStop(ctx, svc, id, name)
	return b.stopAndRemove(ctx, id, name, gracePeriod(svc))
}

// grace is how long up waits for a replaced or restarted container to
// stop: up -t's, else the service's grace period.
func (r *dockerRun) grace(svc *stack.Service) time.Duration {
	if r.opts.StopTimeout > 0 {
		return r.opts.StopTimeout
	}
	return gracePeriod(svc)
}

func gracePeriod(svc *stack.Service) time.Duration {
	if svc == nil || svc.StopGracePeriod <= 0 {
		return backend.DefaultGracePeriod
	}
	return svc.StopGracePeriod
}
