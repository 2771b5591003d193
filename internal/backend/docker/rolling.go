package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// replacement is one replica swapped during a rolling update: the old
// container, parked under another name and stopped once the new one takes
// its traffic, is kept until the whole update succeeds, so a failure can put
// every old replica back.
type replacement struct {
	*swap
	oldAddr, newAddr string
}

// rollOut converges a service that runs behind a live load balancer without
// dropping requests: new replicas take traffic only once healthy; out-of-date
// ones are replaced batch by batch, start-first (start the new one, wait
// until it is healthy and stays so for MinReady, route to it, drain the old
// one, stop it); surplus ones are drained before they stop. If a new replica
// fails, the update rolls back: every replaced old replica serves again and
// the new ones are removed.
func (r *dockerRun) rollOut(ctx context.Context, plan backend.ServicePlan, created []string, b *balancer) ([]string, error) {
	svc := plan.Service
	ids := make([]string, len(plan.Steps))
	var routed, fresh, stale []int
	for i, s := range plan.Steps {
		switch s.Action {
		case backend.Keep:
			ids[i] = s.Current.ID
			routed = append(routed, i)
		case backend.Create:
			ids[i] = created[i]
			fresh = append(fresh, i)
		case backend.Start:
			ids[i] = s.Current.ID
			fresh = append(fresh, i)
		case backend.Recreate, backend.Restart:
			stale = append(stale, i)
			routed = append(routed, i)
		}
	}
	var current []string
	for _, i := range routed {
		current = append(current, plan.Steps[i].Current.ID)
	}
	for _, c := range plan.Surplus {
		current = append(current, c.ID)
	}
	addresses, err := r.b.replicaAddresses(ctx, r.st, b.service, current)
	if err != nil {
		return nil, err
	}
	b.addresses = addresses

	// New replicas first: more capacity before anything is replaced.
	err = walk.Each(fresh, func(i int) error {
		name := plan.Steps[i].Name
		if err := r.b.startContainer(ctx, svc, ids[i], name); err != nil {
			return err
		}
		return r.waitStable(ctx, plan, ids[i], name)
	})
	if err != nil {
		return nil, err
	}
	if len(fresh) > 0 {
		newIDs := make([]string, 0, len(fresh))
		for _, i := range fresh {
			newIDs = append(newIDs, ids[i])
		}
		added, err := r.b.replicaAddresses(ctx, r.st, b.service, newIDs)
		if err != nil {
			return nil, err
		}
		if err := b.swap(ctx, added, nil); err != nil {
			return nil, err
		}
	}

	var done []replacement
	for batch := range slices.Chunk(stale, r.batchSize(svc)) {
		reps, err := r.startReplacements(ctx, plan, batch)
		if err != nil {
			return nil, errors.Join(err, r.rollBack(ctx, plan, b, done))
		}
		var oldAddrs, newAddrs []string
		for _, rep := range reps {
			oldAddrs = append(oldAddrs, rep.oldAddr)
			newAddrs = append(newAddrs, rep.newAddr)
		}
		if err := b.swap(ctx, newAddrs, oldAddrs); err != nil {
			return nil, errors.Join(err, r.rollBack(ctx, plan, b, append(done, reps...)))
		}
		err = walk.Each(reps, func(rep replacement) error {
			r.b.preStop(ctx, svc, rep.old.ID, rep.old.Name)
			return r.b.engine.ContainerStop(ctx, rep.old.ID, r.grace(svc))
		})
		done = append(done, reps...)
		if err != nil {
			return nil, errors.Join(err, r.rollBack(ctx, plan, b, done))
		}
		for _, i := range batch {
			for _, rep := range reps {
				if rep.name == plan.Steps[i].Name {
					ids[i] = rep.newID
				}
			}
		}
	}
	for _, rep := range done {
		if err := rep.finish(ctx); err != nil {
			return nil, err
		}
	}

	for _, c := range plan.Surplus {
		gone, err := r.b.replicaAddresses(ctx, r.st, b.service, []string{c.ID})
		if err != nil {
			return nil, err
		}
		if err := b.swap(ctx, nil, gone); err != nil {
			return nil, err
		}
		if err := r.b.removeContainer(ctx, svc, c.ID, c.Name); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// startReplacements starts a new container beside each old one of the
// batch, and waits until every new one is healthy and stable. On failure
// it removes the batch's new containers and puts the old ones back under
// their names; the old ones never stopped serving.
func (r *dockerRun) startReplacements(ctx context.Context, plan backend.ServicePlan, batch []int) ([]replacement, error) {
	reps := make([]replacement, len(batch))
	lb := r.balancerOf(plan).service
	err := walk.Each(indices(batch), func(k int) error {
		s := plan.Steps[batch[k]]
		addrs, err := r.b.replicaAddresses(ctx, r.st, lb, []string{s.Current.ID})
		if err != nil {
			return err
		}
		if len(addrs) > 0 {
			reps[k].oldAddr = addrs[0]
		}
		if reps[k].swap, err = r.park(ctx, s); err != nil {
			return err
		}
		if err := reps[k].create(ctx, plan, s); err != nil {
			return err
		}
		if err := r.runPreStart(ctx, plan.Service, reps[k].newID); err != nil {
			return err
		}
		if err := r.b.startContainer(ctx, plan.Service, reps[k].newID, s.Name); err != nil {
			return err
		}
		if err := r.waitStable(ctx, plan, reps[k].newID, s.Name); err != nil {
			return err
		}
		addrs, err = r.b.replicaAddresses(ctx, r.st, lb, []string{reps[k].newID})
		if err != nil {
			return err
		}
		if len(addrs) == 0 {
			return fmt.Errorf("new container %s has no address on the balancer's network", s.Name)
		}
		reps[k].newAddr = addrs[0]
		return nil
	})
	if err == nil {
		return reps, nil
	}
	for _, rep := range reps {
		if rep.swap == nil {
			continue
		}
		if rep.newID != "" {
			r.b.report("container "+rep.name, "rolled back", "the new container was removed")
		}
		err = errors.Join(err, rep.undo(ctx))
	}
	return nil, err
}

// rollBack undoes completed replacements: each old replica starts again,
// takes its traffic back once healthy, and the new one is drained and
// removed.
func (r *dockerRun) rollBack(ctx context.Context, plan backend.ServicePlan, b *balancer, done []replacement) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, rep := range slices.Backward(done) {
		err := func() error {
			if err := r.b.engine.ContainerStart(ctx, rep.old.ID); err != nil {
				return err
			}
			if err := r.b.waitHealthy(ctx, plan.Service, rep.old.ID, rep.parked, r.opts.WaitTimeout); err != nil {
				return err
			}
			addrs, err := r.b.replicaAddresses(ctx, r.st, b.service, []string{rep.old.ID})
			if err != nil {
				return err
			}
			if err := b.swap(ctx, addrs, []string{rep.newAddr}); err != nil {
				return err
			}
			if err := r.b.removeContainer(ctx, plan.Service, rep.newID, rep.name); err != nil {
				return err
			}
			rep.newID = ""
			return rep.undo(ctx)
		}()
		if err != nil {
			errs = append(errs, fmt.Errorf("roll back %s: %w", rep.name, err))
			continue
		}
		r.b.report("container "+rep.name, "rolled back", "the previous version serves again")
	}
	return errors.Join(errs...)
}

// waitStable waits until a new replica is healthy and ready (its
// readiness probe passes: a live process is not yet one that can serve)
// and, if MinReady is set, still healthy that long after.
func (r *dockerRun) waitStable(ctx context.Context, plan backend.ServicePlan, id, name string) error {
	svc := plan.Service
	waitCtx, cancel := context.WithTimeout(ctx, r.opts.WaitTimeout)
	defer cancel()
	if err := r.b.waitHealthy(waitCtx, svc, id, name, r.opts.WaitTimeout); err != nil {
		return err
	}
	if err := r.b.waitReadiness(waitCtx, svc, id, name, r.opts.WaitTimeout); err != nil {
		return err
	}
	minReady := r.minReady(svc)
	if minReady <= 0 {
		return nil
	}
	t := time.NewTimer(minReady)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	c, err := r.b.engine.ContainerInspect(ctx, id)
	if err != nil {
		return err
	}
	if !c.Running() || c.RestartCount > 0 || c.Health == "unhealthy" {
		return r.b.failure(svc, id, name, fmt.Sprintf("did not stay healthy for %s (%s)", minReady, c.Status), c.HealthLog, "")
	}
	res, err := r.b.execProbe(ctx, id, probeCommand(svc.Healthcheck.Test), svc.Healthcheck.Timeout)
	if err != nil || res.ExitCode != 0 {
		return r.b.failure(svc, id, name, fmt.Sprintf("did not stay healthy for %s", minReady), c.HealthLog, res.Output)
	}
	return nil
}

func (r *dockerRun) balancerOf(plan backend.ServicePlan) *balancer {
	return r.liveBalancers[plan.Service.Name]
}

// batchSize is how many replicas an update replaces at once: the command
// line's, else the file's update_config.parallelism, else one.
func (r *dockerRun) batchSize(svc *stack.Service) int {
	return max(cmp.Or(r.opts.BatchSize, svc.Update.Parallelism), 1)
}

// minReady is how long a new replica must stay healthy: the command line's,
// else the file's update_config.monitor.
func (r *dockerRun) minReady(svc *stack.Service) time.Duration {
	return cmp.Or(r.opts.MinReady, svc.Update.Monitor)
}
