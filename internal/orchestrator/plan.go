package orchestrator

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
	// Await says the run waits for the service to be ready: something
	// depends on it being ready, or the run waits for every service.
	Await bool
	// HealthyFor names a service that depends on this one being healthy,
	// if any: a service without a healthcheck then fails its wait.
	HealthyFor string
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

// reconcile decides, service by service, what to do with each wanted
// replica and each container the project has. A container that holds a
// wanted name but is not this project's is an error: it is never touched.
func reconcile(st *stack.Stack, obs Observed, names Naming, opts UpOptions) (Plan, error) {
	order, err := st.StartOrder()
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Project: st.Project, RemoveOrphans: opts.RemoveOrphans}
	for _, name := range order {
		svc, _ := st.Service(name)
		sp, err := planService(st, svc, names.InstanceNames(st, svc), st.ConfigHash(svc, obs.ImageIDs[svc.Image]), obs.Instances)
		if err != nil {
			return Plan{}, err
		}
		if c, ok := obs.Completions[svc.Name]; ok && svc.OneShot && c.Hash == sp.Hash && c.Data == obs.Data {
			for i, s := range sp.Steps {
				if s.Action == Create {
					sp.Steps[i].Action, sp.Steps[i].Why = Done, "completed before, same configuration and data"
				}
			}
		}
		sp.Await = !opts.NoWait
		for _, dependent := range st.Services {
			for _, d := range dependent.DependsOn {
				if d.Service != svc.Name || d.Condition == stack.ServiceStarted {
					continue
				}
				sp.Await = true
				if d.Condition == stack.ServiceHealthy && sp.HealthyFor == "" {
					sp.HealthyFor = dependent.Name
				}
			}
		}
		plan.Services = append(plan.Services, sp)
	}
	restartDependents(plan.Services)
	for i := range plan.Services {
		sp := &plan.Services[i]
		lb := sp.Service.LoadBalancer
		if lb == nil || len(sp.Steps) != 1 || sp.Steps[0].Action != Keep || sp.Steps[0].Current.State != "running" {
			continue
		}
		for j := range plan.Services {
			if plan.Services[j].Service.Name == lb.Target {
				plan.Services[j].Balancer = sp.Steps[0].Current
			}
		}
	}
	for _, name := range sortedNames(obs.Instances) {
		c := obs.Instances[name]
		if c.Project != st.Project {
			continue
		}
		if _, ok := st.Service(c.Service); !ok {
			plan.Orphans = append(plan.Orphans, c)
		}
	}
	return plan, nil
}

// restartDependents restarts the running replicas of a service whose
// dependency, declared with restart: true, is replaced or restarted, as
// Compose does. Services are in start order, so a restart cascades.
func restartDependents(plans []ServicePlan) {
	replaced := map[string]bool{}
	for i := range plans {
		sp := &plans[i]
		for _, d := range sp.Service.DependsOn {
			if !d.Restart || !replaced[d.Service] {
				continue
			}
			for j, s := range sp.Steps {
				if s.Action == Keep && s.Current.State == "running" {
					sp.Steps[j].Action, sp.Steps[j].Why = Restart, "dependency "+d.Service+" replaced"
				}
			}
		}
		replaced[sp.Service.Name] = slices.ContainsFunc(sp.Steps, func(s Step) bool { return s.Action == Recreate || s.Action == Restart })
	}
}

func planService(st *stack.Stack, svc *stack.Service, names []string, hash string, byName map[string]Instance) (ServicePlan, error) {
	plan := ServicePlan{Service: svc, Hash: hash}
	project := st.ProjectName()
	wanted := map[string]bool{}
	for i, name := range names {
		wanted[name] = true
		s := Step{Name: name, Replica: i + 1, Action: Create, Why: "missing"}
		if c, ok := byName[name]; ok {
			if owner := c.Project; owner != project || c.Service != svc.Name {
				if owner == project {
					owner = fmt.Sprintf("%s, service %s", owner, c.Service)
				}
				return ServicePlan{}, &NotOwnedError{Kind: "container", Name: name, Project: project, Owner: owner}
			}
			s.Current = &c
			s.Action, s.Why = containerAction(svc, hash, c)
		}
		plan.Steps = append(plan.Steps, s)
	}
	for _, name := range sortedNames(byName) {
		c := byName[name]
		if c.Project == project && c.Service == svc.Name && !wanted[c.Name] {
			plan.Surplus = append(plan.Surplus, c)
		}
	}
	return plan, nil
}

func containerAction(svc *stack.Service, hash string, c Instance) (Action, string) {
	if c.Hash != hash {
		return Recreate, "configuration changed"
	}
	if c.Replicated && c.Replicas != svc.Replicas {
		return Scale, fmt.Sprintf("%d replicas, %d wanted", c.Replicas, svc.Replicas)
	}
	switch c.State {
	case "running", "restarting", "paused":
		return Keep, c.State
	case "exited":
		switch {
		case svc.OneShot && c.ExitCode == 0:
			// A one-shot that succeeded stays done.
			return Keep, "one-shot completed"
		case svc.OneShot && c.WillRestart:
			return Keep, "one-shot retrying"
		case svc.OneShot:
			return Start, fmt.Sprintf("one-shot failed with exit %d", c.ExitCode)
		}
		return Start, "exited"
	case "dead", "removing":
		return Recreate, c.State
	default: // created
		return Start, c.State
	}
}

func sortedNames(m map[string]Instance) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
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
		}
		var parts []string
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
