// Package docker is the orchestrator's backend for one Docker engine: it
// runs each replica as a container, named and labelled as Compose names
// them, replaces changed ones start-first through a live edge, crashes,
// stops, lists and follows them, and takes the stack down. It declares the
// engine operations it needs (Engine); internal/engine implements them.
package docker

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// Backend runs services as containers on one Docker engine: a replica is a
// container named and labelled as Compose names them, a change replaces
// containers (through a live edge, start-first), and readiness is the
// engine's health verdict or stackctl's own faster probe.
type Backend struct {
	engine   Engine
	images   *images.Store
	progress progress.Reporter
	// probeGap is the pause between two polls of a wait; the checks a
	// poll runs are paced as the wait goes on (see maxCheckGap).
	probeGap time.Duration
	// killer crashes containers; killOpts configure it.
	killer   *crash.Killer
	killOpts []crash.Option
	// emptyImage serializes the making of the empty image (emptyimage.go).
	emptyImage *sync.Mutex
}

// Option adjusts a Backend.
type Option func(*Backend)

// New returns the backend for eng that reports to reporter (nil: nowhere).
func New(eng Engine, reporter progress.Reporter, opts ...Option) *Backend {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	b := &Backend{engine: eng, images: images.New(eng, reporter), progress: reporter, probeGap: 50 * time.Millisecond, emptyImage: &sync.Mutex{}}
	for _, opt := range opts {
		opt(b)
	}
	b.killer = crash.New(reporter, b.killOpts...)
	return b
}

// WithCrashHelper names the stackctl binary the crash helper runs; the
// default is the running program.
func WithCrashHelper(path string) Option {
	return func(b *Backend) { b.killOpts = append(b.killOpts, crash.WithHelperBinary(path)) }
}

func (b *Backend) report(resource, status, detail string) {
	b.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "info"})
}

func (b *Backend) reportError(resource, status, detail string) {
	b.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "error"})
}

func (b *Backend) reportWarning(resource, status, detail string) {
	b.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "warning"})
}

// dockerRun is the Docker backend's executor of one plan: the load
// balancers that route to replaced services, as they stand in this run.
type dockerRun struct {
	b    *Backend
	st   *stack.Stack
	opts backend.UpOptions
	// liveBalancers are the running load balancers, by balanced service.
	liveBalancers map[string]*balancer
	// preStart names the services whose pre_start hooks the plan runs;
	// preStarted runs them once in the run.
	preStart   map[string]bool
	preStarted preStartOnce
}

func (b *Backend) Prepare(ctx context.Context, st *stack.Stack, build bool) (map[string]string, bool, error) {
	imageIDs, built, err := b.images.Ensure(ctx, st, build)
	if err != nil {
		return nil, false, err
	}
	created, err := b.ensureResources(ctx, st)
	if err != nil {
		return nil, false, err
	}
	return imageIDs, built || created, nil
}

// Observe lists every container by name, so that reconcile sees the
// project's and any other holding a wanted name. A one-shot that exited is
// inspected: how it ended decides whether it runs again.
func (b *Backend) Observe(ctx context.Context, st *stack.Stack, imageIDs map[string]string) (backend.Observed, error) {
	all, err := b.engine.ContainerList(ctx, nil)
	if err != nil {
		return backend.Observed{}, err
	}
	// A one-off container of `run` is no replica: neither kept nor an orphan.
	all = withoutOneOffs(all)
	obs := backend.Observed{Instances: make(map[string]backend.Instance, len(all)), ImageIDs: imageIDs}
	for _, c := range all {
		in := instanceOf(c)
		if in.Project == st.Project && in.State == "exited" && c.Labels[stack.LabelOneShot] == "true" {
			got, err := b.engine.ContainerInspect(ctx, c.ID)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return backend.Observed{}, err
			}
			in.ExitCode, in.WillRestart = got.ExitCode, willRestart(got)
		}
		obs.Instances[c.Name] = in
	}
	obs.Completions, obs.Data, err = b.observeCompletions(ctx, st)
	if err != nil {
		return backend.Observed{}, err
	}
	return obs, nil
}

func instanceOf(c engine.ContainerSummary) backend.Instance {
	replica, _ := strconv.Atoi(c.Labels[stack.LabelReplica])
	in := backend.Instance{
		ID: c.ID, Name: c.Name, State: c.State, Healthy: c.Healthy, Replica: replica,
		Project: c.Labels[stack.LabelProject], Service: c.Labels[stack.LabelService], Hash: c.Labels[stack.LabelConfigHash],
	}
	// A container Compose made is its project's, to be replaced; a
	// one-off of Compose's run is no replica.
	if project := c.Labels[stack.LabelComposeProject]; madeByCompose(c.Labels, project) != "" && c.Labels[stack.LabelComposeOneOff] != "True" {
		in.Project, in.Service, in.MadeBy = project, c.Labels[stack.LabelComposeService], madeByCompose(c.Labels, project)
		in.Replica, _ = strconv.Atoi(c.Labels[stack.LabelComposeNumber])
	}
	return in
}

// Converge returns the executor of a plan.
func (b *Backend) Converge(st *stack.Stack, plan backend.Plan, opts backend.UpOptions) backend.Converger {
	r := &dockerRun{b: b, st: st, opts: opts, liveBalancers: map[string]*balancer{}, preStart: map[string]bool{}}
	for _, sp := range plan.Services {
		r.preStart[sp.Service.Name] = sp.PreStart
		if c := sp.Balancer; c != nil {
			lb, _ := st.BalancerOf(sp.Service.Name)
			r.liveBalancers[sp.Service.Name] = &balancer{backend: b, st: st, service: lb, id: c.ID, name: c.Name}
		}
	}
	return r
}

func (b *Backend) Remove(ctx context.Context, instances []backend.Instance, grace time.Duration) error {
	return walk.Each(instances, func(c backend.Instance) error {
		return b.stopAndRemove(ctx, c.ID, c.Name, grace)
	})
}

// Create creates the service's missing containers, replicas in parallel.
func (r *dockerRun) Create(ctx context.Context, plan backend.ServicePlan) ([]string, error) {
	ids := make([]string, len(plan.Steps))
	return ids, walk.Each(indices(plan.Steps), func(i int) error {
		if plan.Steps[i].Action != backend.Create {
			return nil
		}
		id, err := r.create(ctx, plan, plan.Steps[i])
		ids[i] = id
		return err
	})
}

// Apply replaces through the service's live load balancer, start-first,
// when it has one, and carries out the steps directly otherwise.
func (r *dockerRun) Apply(ctx context.Context, plan backend.ServicePlan, created []string, upstream map[string]backend.Applied) (backend.Applied, error) {
	if b := r.liveBalancers[plan.Service.Name]; b != nil && plan.Changes() {
		ids, err := r.rollOut(ctx, plan, created, b)
		return backend.Applied{IDs: ids, Changed: true}, err
	}
	return r.applyAll(ctx, plan, created, upstream)
}

// Await waits until the service's replicas are ready; a one-shot that ran
// in this run and completed is remembered, so that it does not run again
// on the same data (see completed.go).
func (r *dockerRun) Await(ctx context.Context, plan backend.ServicePlan, applied backend.Applied) error {
	if err := r.waitReady(ctx, plan, applied.IDs); err != nil {
		return err
	}
	ran := slices.ContainsFunc(plan.Steps, func(s backend.Step) bool { return s.Action != backend.Keep && s.Action != backend.Done })
	if plan.Service.OneShot && ran {
		return r.b.recordCompletion(ctx, r.st, plan.Service, plan.Hash)
	}
	return nil
}

// indices are 0 to len(items)-1.
func indices[T any](items []T) []int {
	out := make([]int, len(items))
	for i := range out {
		out[i] = i
	}
	return out
}

var _ backend.Backend = (*Backend)(nil)

// InstanceNames are the service's containers, one per replica, as Compose
// names them.
func (b *Backend) InstanceNames(st *stack.Stack, svc *stack.Service) []string {
	names := make([]string, svc.Replicas)
	for i := range names {
		names[i] = st.ContainerName(svc, i+1)
	}
	return names
}

// InstanceKind is what progress calls an instance here.
func (b *Backend) InstanceKind() string { return "container" }

// Build builds the images of the named services (all when none is named)
// that have a build section, whether or not their context changed.
func (b *Backend) Build(ctx context.Context, st *stack.Stack, services []string) error {
	return b.images.Build(ctx, st, services)
}

// Images lists the image of every service and whether the engine has it.
func (b *Backend) Images(ctx context.Context, st *stack.Stack) ([]backend.ImageStatus, error) {
	return b.images.List(ctx, st)
}
