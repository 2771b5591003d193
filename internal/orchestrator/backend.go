package orchestrator

import (
	"context"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// Backend runs a stack's services on one kind of engine. The orchestrator
// observes through it, plans, and walks the services in dependency order,
// gating each on its dependencies; the backend carries out one service's
// plan at a time. It speaks of services and their instances, not of how an
// engine runs them, so a Docker engine and a swarm can both be one.
type Backend interface {
	// Prepare makes what services need before any of them runs: images
	// (built or pulled), networks and volumes. It returns the images' IDs
	// by reference, and whether it changed anything.
	Prepare(ctx context.Context, st *stack.Stack, build bool) (imageIDs map[string]string, changed bool, err error)
	// Observe reports the instances that hold the project's names: its
	// own, and any other under a name the stack wants.
	Observe(ctx context.Context, st *stack.Stack, imageIDs map[string]string) (Observed, error)
	// Converge begins the backend's part of a run that carries out plans.
	Converge(run Run, plans []servicePlan) Converger
	// Remove stops and removes instances, each within grace.
	Remove(ctx context.Context, instances []Instance, grace time.Duration) error
}

// Converger carries out the service plans of one run, service by service,
// as the orchestrator's dependency walk calls it.
type Converger interface {
	// Stage does what a service's plan allows before its dependencies are
	// ready, so that only the start waits for them.
	Stage(ctx context.Context, plan *servicePlan) error
	// Apply carries out a service's plan once its dependencies are ready,
	// and returns the IDs of the service's instances.
	Apply(ctx context.Context, plan servicePlan) ([]string, error)
	// Await returns once each of the instances is ready: completed for a
	// one-shot, healthy for a service with a healthcheck, started
	// otherwise.
	Await(ctx context.Context, plan servicePlan, ids []string) error
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
	// dead; Healthy says its healthcheck passes.
	State   string
	Healthy bool
	// ExitCode and WillRestart say, of an exited instance, how its last
	// run ended and whether its restart policy brings it back.
	ExitCode    int
	WillRestart bool
}
