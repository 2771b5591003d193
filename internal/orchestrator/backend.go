package orchestrator

import (
	"context"
	"io"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// Backend runs a stack's services on one kind of engine. The orchestrator
// observes through it, plans, and walks the services in dependency order,
// gating each on its dependencies; the backend carries out one service's
// plan at a time. It speaks of services and their instances, not of how an
// engine runs them, so a Docker engine and a swarm can both be one. The
// verbs other than up are the backend's own.
type Backend interface {
	Naming
	// Prepare makes what services need before any of them runs: images
	// (built or pulled), networks and volumes. It returns the images' IDs
	// by reference, and whether it changed anything.
	Prepare(ctx context.Context, st *stack.Stack, build bool) (imageIDs map[string]string, changed bool, err error)
	// Observe reports the instances that hold the project's names: its
	// own, and any other under a name the stack wants.
	Observe(ctx context.Context, st *stack.Stack, imageIDs map[string]string) (Observed, error)
	// Converge begins the backend's part of a run that carries out plans.
	Converge(run Run, plans []ServicePlan) Converger
	// Remove stops and removes instances, each within grace.
	Remove(ctx context.Context, instances []Instance, grace time.Duration) error

	// Lock takes the project's lock, waiting up to maxWait for another run
	// to release it; the returned function releases it.
	Lock(ctx context.Context, project string, maxWait time.Duration) (unlock func(), err error)
	// Deployed says how the project was last deployed: its scale and edges.
	Deployed(ctx context.Context, project string) (stack.Deployment, error)
	// Down removes the project's instances, dependents first, then its
	// networks and, if asked, its volumes.
	Down(ctx context.Context, st *stack.Stack, opts DownOptions) error
	// PS lists the project's instances in the stack's start order.
	PS(ctx context.Context, st *stack.Stack) ([]ContainerStatus, error)
	// Logs writes the services' logs, prefixed by instance.
	Logs(ctx context.Context, st *stack.Stack, opts LogsOptions, w io.Writer) error
	// Crash kills a service's instance as a real crash would, and times
	// its recovery.
	Crash(ctx context.Context, st *stack.Stack, opts CrashOptions) (CrashReport, error)
	// Signal sends sig to a service's instance, through the engine.
	Signal(ctx context.Context, st *stack.Stack, service, replica, sig string) (string, error)
	// Stop, Start and Restart act on the named services (all when none),
	// in dependency order.
	Stop(ctx context.Context, st *stack.Stack, services []string, timeout time.Duration) error
	Start(ctx context.Context, st *stack.Stack, services []string, waitTimeout time.Duration) error
	Restart(ctx context.Context, st *stack.Stack, services []string, timeout, waitTimeout time.Duration) error
	// Exec runs a command in a running instance and returns its exit code.
	Exec(ctx context.Context, st *stack.Stack, opts ExecOptions) (int, error)
	// Run runs a one-off instance of a service.
	Run(ctx context.Context, st *stack.Stack, opts RunOptions) (RunResult, error)
	// Build builds the images of the named services (all when none).
	Build(ctx context.Context, st *stack.Stack, services []string) error
	// Images lists the images the services run.
	Images(ctx context.Context, st *stack.Stack) ([]ImageStatus, error)
}

// Naming is how a backend names a service's instances.
type Naming interface {
	// InstanceNames are the names of the instances svc wants, in replica
	// order: a container per replica on a Docker engine, one service that
	// runs all the replicas on a swarm.
	InstanceNames(st *stack.Stack, svc *stack.Service) []string
	// InstanceKind is what progress calls an instance: "container",
	// "service".
	InstanceKind() string
}

// Converger carries out the service plans of one run, service by service,
// as the orchestrator's dependency walk calls it.
type Converger interface {
	// Stage does what a service's plan allows before its dependencies are
	// ready, so that only the start waits for them.
	Stage(ctx context.Context, plan *ServicePlan) error
	// Apply carries out a service's plan once its dependencies are ready,
	// and returns the IDs of the service's instances.
	Apply(ctx context.Context, plan ServicePlan) ([]string, error)
	// Await returns once each of the instances is ready: completed for a
	// one-shot, healthy for a service with a healthcheck, started
	// otherwise.
	Await(ctx context.Context, plan ServicePlan, ids []string) error
	// Abandon ends a run that failed or was cancelled: what Stage did
	// ahead of dependencies that never became ready is undone, so that
	// nothing runs that they did not let run. ctx is not the run's.
	Abandon(ctx context.Context) error
}

// Run is what a backend sees of the convergence in progress.
type Run interface {
	Stack() *stack.Stack
	Options() UpOptions
	// MarkChanged records that the run changed something.
	MarkChanged()
	// Instances are the IDs a service converged to in this run, and
	// whether the run changed the service; none before it converged.
	Instances(service string) (ids []string, changed bool)
	// NeedsHealthy names a service that waits for service to be healthy.
	NeedsHealthy(service string) string
}

// Instance is one running unit of a service: a container on a Docker
// engine, a task in a swarm.
type Instance struct {
	ID   string
	Name string
	// Project, Service and Hash are what its labels say: whose it is and
	// what it was made from.
	Project string
	Service string
	Replica int
	Hash    string
	// State is created, running, paused, restarting, removing, exited or
	// dead, or held: running, but its command waits at a start gate for
	// the run that started it to release it. Healthy says its healthcheck
	// passes.
	State   string
	Healthy bool
	// Replicated says the instance runs its service's replicas itself, as
	// a swarm service does, and Replicas how many it runs.
	Replicated bool
	Replicas   int
	// ExitCode and WillRestart say, of an exited instance, how its last
	// run ended and whether its restart policy brings it back.
	ExitCode    int
	WillRestart bool
}
