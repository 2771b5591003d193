package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// labelRevision marks a task with the revision of its service's spec it
// was made from: the config hash and the force-update counter. Tasks of
// the current revision are the ones an update waits for; a change of the
// replica count alone keeps the revision, and the tasks.
const labelRevision = "io.stackctl.revision"

// revisionOf is the revision a spec's tasks carry.
func revisionOf(spec swarmapi.ServiceSpec) string {
	return spec.Labels[stack.LabelConfigHash] + "." + strconv.FormatUint(spec.TaskTemplate.ForceUpdate, 10)
}

// swarmRun is the swarm backend's executor of one plan.
type swarmRun struct {
	b    *Backend
	st   *stack.Stack
	opts backend.UpOptions
}

// Converge returns the executor of a plan.
func (b *Backend) Converge(st *stack.Stack, _ backend.Plan, opts backend.UpOptions) backend.Converger {
	return &swarmRun{b: b, st: st, opts: opts}
}

// Create makes nothing ahead: a swarm cannot make a service that does not
// start, so Apply creates it once its dependencies are ready.
func (r *swarmRun) Create(_ context.Context, plan backend.ServicePlan) ([]string, error) {
	if r.opts.NoStart {
		return nil, fmt.Errorf("create (up --no-start) of service %s: %w: a swarm service starts as it is made; run stackctl --swarm up, or scale the service to 0 after it", plan.Service.Name, ErrNotOnSwarm)
	}
	return make([]string, len(plan.Steps)), nil
}

// Apply creates or updates the service's swarm service. The swarm replaces
// the tasks itself, as the spec's update config says (start-first for a
// stateless service); Await follows it.
func (r *swarmRun) Apply(ctx context.Context, plan backend.ServicePlan, _ []string, _ map[string]backend.Applied) (backend.Applied, error) {
	if len(plan.Steps) != 1 {
		return backend.Applied{}, fmt.Errorf("service %s: a swarm runs one service for all replicas, the plan has %d", plan.Service.Name, len(plan.Steps))
	}
	s := plan.Steps[0]
	resource := "service " + s.Name
	switch s.Action {
	case backend.Keep, backend.Done:
		return backend.Applied{IDs: []string{s.Current.ID}}, nil
	case backend.Create:
		spec, err := r.spec(plan, 0)
		if err != nil {
			return backend.Applied{}, err
		}
		r.b.report(resource, "creating", createDetail(plan.Service, spec))
		id, warnings, err := r.b.engine.ServiceCreate(ctx, spec)
		if err != nil {
			return backend.Applied{}, err
		}
		r.warn(resource, warnings)
		r.b.report(resource, "created", "")
		return backend.Applied{IDs: []string{id}, Changed: true}, nil
	}
	// Recreate, Scale, Start and Restart update the service in place; a
	// start or restart forces new tasks of the same spec.
	current, err := r.b.engine.ServiceInspect(ctx, s.Current.ID)
	if err != nil {
		return backend.Applied{}, err
	}
	force := current.Spec.TaskTemplate.ForceUpdate
	// A start, a restart or a forced recreate of the same spec forces new
	// tasks; a changed spec makes them anyway.
	if s.Action == backend.Start || s.Action == backend.Restart || (s.Action == backend.Recreate && s.Current.Hash == plan.Hash) {
		force++
	}
	spec, err := r.spec(plan, force)
	if err != nil {
		return backend.Applied{}, err
	}
	r.b.report(resource, "updating", s.Why)
	warnings, err := r.b.engine.ServiceUpdate(ctx, current.ID, current.Version, spec)
	if err != nil {
		return backend.Applied{}, err
	}
	r.warn(resource, warnings)
	return backend.Applied{IDs: []string{current.ID}, Changed: true}, nil
}

// spec is the service's swarm spec, its tasks marked with its revision.
func (r *swarmRun) spec(plan backend.ServicePlan, force uint64) (swarmapi.ServiceSpec, error) {
	d, err := r.b.deployOf(r.st, plan.Service)
	if err != nil {
		return swarmapi.ServiceSpec{}, err
	}
	spec, err := ServiceSpec(r.st, plan.Service, plan.Hash, d)
	if err != nil {
		return swarmapi.ServiceSpec{}, err
	}
	spec, dropped := r.b.engine.FitServiceSpec(spec)
	for _, what := range dropped {
		r.b.reportWarning("service "+ServiceName(r.st.Project, plan.Service.Name), "not applied", what)
	}
	spec.TaskTemplate.ForceUpdate = force
	cs := spec.TaskTemplate.ContainerSpec
	cs.Labels = maps.Clone(cs.Labels)
	if cs.Labels == nil {
		cs.Labels = map[string]string{}
	}
	cs.Labels[labelRevision] = revisionOf(spec)
	return spec, nil
}

func (r *swarmRun) warn(resource string, warnings []string) {
	for _, w := range warnings {
		r.b.reportWarning(resource, "warning", w)
	}
}

// createDetail says what the swarm is asked to run: how many, and for a
// service that keeps data, where and how it is updated.
func createDetail(svc *stack.Service, spec swarmapi.ServiceSpec) string {
	if svc.OneShot {
		return "job"
	}
	detail := fmt.Sprintf("%d replicas", svc.Replicas)
	if p := spec.TaskTemplate.Placement; p != nil && slices.ContainsFunc(p.Constraints, func(c string) bool { return strings.Contains(c, pinLabelPrefix) }) {
		detail += ", pinned to the node that keeps its data"
	}
	if u := spec.UpdateConfig; u != nil && u.Order == swarmapi.UpdateOrderStopFirst {
		detail += ", updated stop-first"
	}
	return detail
}

// Await returns once the service is what its dependents wait for: its job
// completed, or as many tasks of its current revision running (and so
// healthy, when it has a healthcheck: the swarm holds a task in starting
// until its first probe passes) as it has replicas, and no update under
// way. A task of that revision that failed ends the wait at once.
func (r *swarmRun) Await(ctx context.Context, plan backend.ServicePlan, applied backend.Applied) error {
	if len(applied.IDs) == 0 {
		return nil
	}
	return r.b.awaitService(ctx, r.st, plan.Service, applied.IDs[0], r.opts.WaitTimeout)
}

// Remove removes services; the swarm stops their tasks, each within its
// grace period.
func (b *Backend) Remove(ctx context.Context, instances []backend.Instance, _ time.Duration) error {
	for _, in := range instances {
		if err := b.engine.ServiceRemove(ctx, in.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return err
		}
		b.report("service "+in.Name, "removed", "")
	}
	return nil
}
