package backend

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/stack"
)

// Observed is what runs, as one look at the engine saw it: the input of
// reconcile, next to the stack.
type Observed struct {
	// Instances are by name: the project's, and any other that holds a
	// name the stack wants.
	Instances map[string]Instance
	// ImageIDs are the images the services run, by reference.
	ImageIDs map[string]string
	// Completions are the one-shots' last successful runs, by service, and
	// Data fingerprints the project's data volumes as they are now.
	Completions map[string]Completion
	Data        string
}

// Plan is what up does to bring what runs to the stack: decided from the
// stack and an observation with no engine call, so it reads (and is
// tested) as text. The executor carries it out without deciding anything.
type Plan struct {
	Project string
	// Services are in start order.
	Services []ServicePlan
	// Orphans are the project's containers of services the stack no
	// longer has; RemoveOrphans says whether they go.
	Orphans       []Instance
	RemoveOrphans bool
}

// Action is what convergence does to one instance.
type Action int

const (
	Keep     Action = iota // up to date and in the wanted state
	Start                  // up to date but stopped
	Create                 // missing
	Recreate               // out of date
	Restart                // up to date, but a dependency with restart: true is replaced
	Done                   // a one-shot that completed with this configuration on this data
	Scale                  // up to date, but runs another number of replicas (a replicated instance)
)

func (a Action) String() string {
	return [...]string{"keep", "start", "create", "recreate", "restart", "done", "scale"}[a]
}

// Step is the planned action for one replica of a service.
type Step struct {
	Action  Action
	Name    string // instance name
	Replica int
	// Why says what made the action necessary.
	Why     string
	Current *Instance // nil when missing
}

// Replacement is how the out-of-date replicas of a service with no load
// balancer are replaced.
type Replacement int

const (
	// ReplaceAtOnce replaces every replica side by side, each stop-first:
	// one replica alone, as Compose does (it may hold a port or a volume
	// only one container can), or a one-shot.
	ReplaceAtOnce Replacement = iota
	// ReplaceInTurnStartFirst replaces replicas one at a time, each new one
	// healthy and ready before its old one stops: the others answer the
	// service's name meanwhile, and it never runs fewer than it wants.
	ReplaceInTurnStartFirst
	// ReplaceInTurnStopFirst replaces replicas one at a time, each old one
	// stopped first: the service publishes host ports, and its range may
	// have none free for one more container.
	ReplaceInTurnStopFirst
)

func (r Replacement) String() string {
	return [...]string{"at once", "in turn, start-first", "in turn, stop-first"}[r]
}

// ServicePlan is the convergence of one service: a step per wanted replica,
// and the containers of the service that are no longer wanted.
type ServicePlan struct {
	Service *stack.Service
	Hash    string
	Steps   []Step
	Surplus []Instance
	// Balancer is the service's running load balancer: changes go through
	// it as a start-first rolling update.
	Balancer *Instance
	// Replace says how out-of-date replicas are replaced where there is
	// no balancer to roll through.
	Replace Replacement
	// Await says the run waits for the service to be ready: something
	// depends on it being ready, or the run waits for every service.
	Await bool
	// HealthyFor names a service that depends on this one being healthy,
	// if any: a service without a healthcheck then fails its wait.
	HealthyFor string
	// PreStart says the run runs the service's pre_start hooks before it
	// starts its first container: it has hooks, starts a container, and
	// keeps none running (as Compose, which prepares a running service
	// once only).
	PreStart bool
}

// Changes reports whether the plan does anything.
func (p ServicePlan) Changes() bool {
	if len(p.Surplus) > 0 {
		return true
	}
	for _, s := range p.Steps {
		if s.Action != Keep && s.Action != Done {
			return true
		}
	}
	return false
}

// Changes reports whether the plan does anything to the services.
func (p Plan) Changes() bool {
	return slices.ContainsFunc(p.Services, ServicePlan.Changes) || (p.RemoveOrphans && len(p.Orphans) > 0)
}

// String renders the plan one service a line, in start order:
//
//	web [rolling through p-web-edge-1]: recreate p-web-1 (configuration changed), create p-web-2 (missing)
func (p Plan) String() string {
	var b strings.Builder
	for _, sp := range p.Services {
		b.WriteString(sp.Service.Name)
		if sp.Balancer != nil && sp.Changes() {
			fmt.Fprintf(&b, " [rolling through %s, %s]", sp.Balancer.Name, cmp.Or(sp.Service.Update.Order, "start-first"))
		} else if sp.Replace != ReplaceAtOnce && slices.ContainsFunc(sp.Steps, func(s Step) bool { return s.Action == Recreate }) {
			fmt.Fprintf(&b, " [replaced %s]", sp.Replace)
		}
		var parts []string
		if sp.PreStart {
			parts = append(parts, fmt.Sprintf("pre_start hooks (%d) first", len(sp.Service.PreStart)))
		}
		for _, s := range sp.Steps {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", s.Action, s.Name, s.Why))
		}
		for _, c := range sp.Surplus {
			parts = append(parts, fmt.Sprintf("remove %s (surplus)", c.Name))
		}
		if len(parts) == 0 {
			parts = append(parts, "nothing (0 replicas)")
		}
		if !sp.Await {
			parts = append(parts, "not awaited")
		}
		fmt.Fprintf(&b, ": %s\n", strings.Join(parts, ", "))
	}
	for _, c := range p.Orphans {
		what := "left (up --remove-orphans removes it)"
		if p.RemoveOrphans {
			what = "remove"
		}
		fmt.Fprintf(&b, "orphan %s of service %s: %s\n", c.Name, c.Service, what)
	}
	return b.String()
}

// Completion is what a marker says of a one-shot's last successful run.
type Completion struct {
	Hash string
	Data string
}
