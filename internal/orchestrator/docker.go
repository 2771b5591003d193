package orchestrator

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// dockerBackend runs services as containers on one Docker engine: a
// replica is a container named and labelled as Compose names them, a
// change replaces containers (through a live edge, start-first), and
// readiness is the engine's health verdict or stackctl's own faster probe.
type dockerBackend struct {
	o *Orchestrator
}

// dockerRun is the Docker backend's part of one convergence: the load
// balancers that route to replaced services, as they stand in this run.
type dockerRun struct {
	o    *Orchestrator
	run  Run
	st   *stack.Stack
	opts UpOptions
	// liveBalancers are the running load balancers, by balanced service.
	liveBalancers map[string]*balancer
}

func (d dockerBackend) Prepare(ctx context.Context, st *stack.Stack, build bool) (map[string]string, bool, error) {
	imageIDs, built, err := d.o.ensureImages(ctx, st, build)
	if err != nil {
		return nil, false, err
	}
	created, err := d.o.ensureResources(ctx, st)
	if err != nil {
		return nil, false, err
	}
	return imageIDs, built || created, nil
}

// Observe lists every container by name, so that reconcile sees the
// project's and any other holding a wanted name. A one-shot that exited is
// inspected: how it ended decides whether it runs again.
func (d dockerBackend) Observe(ctx context.Context, st *stack.Stack, imageIDs map[string]string) (Observed, error) {
	all, err := d.o.engine.ContainerList(ctx, nil)
	if err != nil {
		return Observed{}, err
	}
	// A one-off container of `run` is no replica: neither kept nor an orphan.
	all = withoutOneOffs(all)
	obs := Observed{Instances: make(map[string]Instance, len(all)), ImageIDs: imageIDs}
	for _, c := range all {
		in := instanceOf(c)
		if in.Project == st.Project && in.State == "exited" && c.Labels[stack.LabelOneShot] == "true" {
			got, err := d.o.engine.ContainerInspect(ctx, c.ID)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return Observed{}, err
			}
			in.ExitCode, in.WillRestart = got.ExitCode, willRestart(got)
		}
		obs.Instances[c.Name] = in
	}
	obs.Completions, obs.Data, err = d.o.observeCompletions(ctx, st)
	if err != nil {
		return Observed{}, err
	}
	return obs, nil
}

func instanceOf(c engine.ContainerSummary) Instance {
	replica, _ := strconv.Atoi(c.Labels[stack.LabelReplica])
	return Instance{
		ID: c.ID, Name: c.Name, State: c.State, Healthy: c.Healthy, Replica: replica,
		Project: c.Labels[stack.LabelProject], Service: c.Labels[stack.LabelService], Hash: c.Labels[stack.LabelConfigHash],
	}
}

// Converge starts the backend's part of a run.
func (d dockerBackend) Converge(run Run, plans []servicePlan) Converger {
	r := &dockerRun{o: d.o, run: run, st: run.Stack(), opts: run.Options(), liveBalancers: map[string]*balancer{}}
	for _, sp := range plans {
		if c := sp.balancer; c != nil {
			lb, _ := r.st.BalancerOf(sp.service.Name)
			r.liveBalancers[sp.service.Name] = &balancer{o: d.o, st: r.st, service: lb, id: c.ID, name: c.Name}
		}
	}
	return r
}

func (d dockerBackend) Remove(ctx context.Context, instances []Instance, grace time.Duration) error {
	return forEach(instances, func(c Instance) error {
		return d.o.stopAndRemove(ctx, c.ID, c.Name, grace)
	})
}

// Stage creates the service's missing containers: creating needs nothing
// of the dependencies, so only the start waits for them.
func (r *dockerRun) Stage(ctx context.Context, plan *servicePlan) error {
	for i, s := range plan.steps {
		if s.action != create {
			continue
		}
		id, err := r.create(ctx, *plan, s)
		if err != nil {
			return err
		}
		plan.steps[i] = step{action: start, name: s.name, replica: s.replica, why: s.why, current: &Instance{ID: id, Name: s.name}}
	}
	return nil
}

// Apply replaces through the service's live load balancer, start-first,
// when it has one, and carries out the steps directly otherwise.
func (r *dockerRun) Apply(ctx context.Context, plan servicePlan) ([]string, error) {
	if b := r.liveBalancers[plan.service.Name]; b != nil && plan.changes() {
		return r.rollOut(ctx, plan, b)
	}
	return r.applyAll(ctx, plan)
}

// Await waits until the service's replicas are ready; a one-shot that ran
// in this run and completed is remembered, so that it does not run again
// on the same data (see completed.go).
func (r *dockerRun) Await(ctx context.Context, plan servicePlan, ids []string) error {
	if err := r.waitReady(ctx, plan.service, plan, ids); err != nil {
		return err
	}
	ran := slices.ContainsFunc(plan.steps, func(s step) bool { return s.action != keep && s.action != done })
	if plan.service.OneShot && ran {
		return r.o.recordCompletion(ctx, r.st, plan.service, plan.hash)
	}
	return nil
}
