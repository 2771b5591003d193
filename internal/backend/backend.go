package backend

import (
	"context"
	"io"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// Backend runs a stack's services on one kind of engine. The orchestrator
// observes through it, plans, and walks the plan in dependency order; the
// backend carries out one service's plan at a time and returns what it did.
// It speaks of services and their instances, not of how an engine runs
// them, so a Docker engine and a swarm can both be one. The verbs other
// than up are the backend's own.
type Backend interface {
	Naming
	// Prepare makes what services need before any of them runs: images
	// (built or pulled), networks and volumes. It returns the images' IDs
	// by reference, and whether it changed anything.
	Prepare(ctx context.Context, st *stack.Stack, build bool) (imageIDs map[string]string, changed bool, err error)
	// Observe reports the instances that hold the project's names: its
	// own, and any other under a name the stack wants.
	Observe(ctx context.Context, st *stack.Stack, imageIDs map[string]string) (Observed, error)
	// Converge returns the backend's executor for one plan.
	Converge(st *stack.Stack, plan Plan, opts UpOptions) Converger
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
	// List lists the Compose projects on the engine, stackctl's and any
	// other's, by name.
	List(ctx context.Context, opts ListOptions) ([]ProjectSummary, error)
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
	// Copy copies files between this machine and a service's instances,
	// through the engine's archive API.
	Copy(ctx context.Context, st *stack.Stack, opts CopyOptions) error
	// Build builds the images of the named services (all when none).
	Build(ctx context.Context, st *stack.Stack, services []string) error
	// Images lists the images the services run.
	Images(ctx context.Context, st *stack.Stack) ([]ImageStatus, error)
	// Pause freezes the named services' running instances (all the
	// services' when none is named), and Unpause thaws their paused ones.
	Pause(ctx context.Context, st *stack.Stack, services []string) error
	Unpause(ctx context.Context, st *stack.Stack, services []string) error
	// Top lists the processes of the named services' running instances
	// (all the services' when none is named), in PS's order.
	Top(ctx context.Context, st *stack.Stack, services []string) ([]Processes, error)
	// Port returns the HOST:PORT a service's instance publishes a port of
	// its own on.
	Port(ctx context.Context, st *stack.Stack, opts PortOptions) (string, error)
	// Rm removes the services' stopped instances and returns their names.
	Rm(ctx context.Context, st *stack.Stack, opts RmOptions) ([]string, error)
	// Wait blocks until every instance of the services has stopped and
	// returns their exits in the order they stopped.
	Wait(ctx context.Context, st *stack.Stack, opts WaitOptions) ([]Exit, error)
	// Events tells opts.Consumer what happens to the services' instances
	// until ctx ends or opts.Until passes.
	Events(ctx context.Context, st *stack.Stack, opts EventsOptions) error
	// Stats samples what the services' instances use of the machine.
	Stats(ctx context.Context, st *stack.Stack, opts StatsOptions) error
	// Attach connects opts.Stdio to a running instance's own streams and
	// returns its exit code once it stops (0 when the caller detached).
	Attach(ctx context.Context, st *stack.Stack, opts AttachOptions) (int, error)
	// Pull pulls the services' images from their registries; Push pushes
	// them there.
	Pull(ctx context.Context, st *stack.Stack, opts PullOptions) error
	Push(ctx context.Context, st *stack.Stack, opts PushOptions) error
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

// Converger carries out one plan, service by service, as Up's walk calls
// it. It decides nothing the plan does not say, and it returns what it did
// as values: it never calls back into the run.
type Converger interface {
	// Create makes the service's missing instances without starting them:
	// creating needs nothing of the dependencies, so Up creates every
	// service's ahead of the walk. It returns the new instances' IDs by
	// step ("" where a step creates nothing).
	Create(ctx context.Context, plan ServicePlan) ([]string, error)
	// Apply carries out the rest of the service's plan once its
	// dependencies meet their conditions. created is what Create returned
	// for it, and upstream what Apply returned for the services it depends
	// on.
	Apply(ctx context.Context, plan ServicePlan, created []string, upstream map[string]Applied) (Applied, error)
	// Await returns once each applied instance is ready: completed for a
	// one-shot, healthy for a service with a healthcheck, started
	// otherwise.
	Await(ctx context.Context, plan ServicePlan, applied Applied) error
}

// Applied is what Apply did to a service.
type Applied struct {
	// IDs are the service's instances, by step ("" where none runs).
	IDs []string
	// Changed says whether anything of the service was created, started,
	// replaced or removed.
	Changed bool
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
	// MadeBy names the tool that made an instance of the project without
	// stackctl's labels ("Docker Compose"): up replaces it.
	MadeBy string
	// State is created, running, paused, restarting, removing, exited or
	// dead. Healthy says its healthcheck passes.
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
