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
	Services []servicePlan
	// Orphans are the project's containers of services the stack no
	// longer has; RemoveOrphans says whether they go.
	Orphans       []Instance
	RemoveOrphans bool
}

// action is what convergence does to one container.
type action int

const (
	keep     action = iota // up to date and in the wanted state
	start                  // up to date but stopped
	create                 // missing
	recreate               // out of date
	restart                // up to date, but a dependency with restart: true is replaced
	done                   // a one-shot that completed with this configuration on this data
)

func (a action) String() string {
	return [...]string{"keep", "start", "create", "recreate", "restart", "done"}[a]
}

// step is the planned action for one replica of a service.
type step struct {
	action  action
	name    string // container name
	replica int
	// why says what made the action necessary.
	why     string
	current *Instance // nil when missing
}

// servicePlan is the convergence of one service: a step per wanted replica,
// and the containers of the service that are no longer wanted.
type servicePlan struct {
	service *stack.Service
	hash    string
	steps   []step
	surplus []Instance
	// balancer is the service's running load balancer: changes go through
	// it as a start-first rolling update.
	balancer *Instance
}

// changes reports whether the plan does anything.
func (p servicePlan) changes() bool {
	if len(p.surplus) > 0 {
		return true
	}
	for _, s := range p.steps {
		if s.action != keep && s.action != done {
			return true
		}
	}
	return false
}

// Changes reports whether the plan does anything to the services.
func (p Plan) Changes() bool {
	return slices.ContainsFunc(p.Services, servicePlan.changes) || (p.RemoveOrphans && len(p.Orphans) > 0)
}

// reconcile decides, service by service, what to do with each wanted
// replica and each container the project has. A container that holds a
// wanted name but is not this project's is an error: it is never touched.
func reconcile(st *stack.Stack, obs Observed, removeOrphans bool) (Plan, error) {
	order, err := st.StartOrder()
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Project: st.Project, RemoveOrphans: removeOrphans}
	for _, name := range order {
		svc, _ := st.Service(name)
		sp, err := planService(st, svc, st.ConfigHash(svc, obs.ImageIDs[svc.Image]), obs.Instances)
		if err != nil {
			return Plan{}, err
		}
		if c, ok := obs.Completions[svc.Name]; ok && svc.OneShot && c.Hash == sp.hash && c.Data == obs.Data {
			for i, s := range sp.steps {
				if s.action == create {
					sp.steps[i].action, sp.steps[i].why = done, "completed before, same configuration and data"
				}
			}
		}
		plan.Services = append(plan.Services, sp)
	}
	restartDependents(plan.Services)
	for i := range plan.Services {
		sp := &plan.Services[i]
		lb := sp.service.LoadBalancer
		if lb == nil || len(sp.steps) != 1 || sp.steps[0].action != keep || sp.steps[0].current.State != "running" {
			continue
		}
		for j := range plan.Services {
			if plan.Services[j].service.Name == lb.Target {
				plan.Services[j].balancer = sp.steps[0].current
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
func restartDependents(plans []servicePlan) {
	replaced := map[string]bool{}
	for i := range plans {
		sp := &plans[i]
		for _, d := range sp.service.DependsOn {
			if !d.Restart || !replaced[d.Service] {
				continue
			}
			for j, s := range sp.steps {
				if s.action == keep && s.current.State == "running" {
					sp.steps[j].action, sp.steps[j].why = restart, "dependency "+d.Service+" replaced"
				}
			}
		}
		replaced[sp.service.Name] = slices.ContainsFunc(sp.steps, func(s step) bool { return s.action == recreate || s.action == restart })
	}
}

func planService(st *stack.Stack, svc *stack.Service, hash string, byName map[string]Instance) (servicePlan, error) {
	plan := servicePlan{service: svc, hash: hash}
	project := st.ProjectName()
	wanted := map[string]bool{}
	for i := 1; i <= svc.Replicas; i++ {
		name := st.ContainerName(svc, i)
		wanted[name] = true
		s := step{name: name, replica: i, action: create, why: "missing"}
		if c, ok := byName[name]; ok {
			if owner := c.Project; owner != project || c.Service != svc.Name {
				if owner == project {
					owner = fmt.Sprintf("%s, service %s", owner, c.Service)
				}
				return servicePlan{}, &NotOwnedError{Kind: "container", Name: name, Project: project, Owner: owner}
			}
			s.current = &c
			s.action, s.why = containerAction(svc, hash, c)
		}
		plan.steps = append(plan.steps, s)
	}
	for _, name := range sortedNames(byName) {
		c := byName[name]
		if c.Project == project && c.Service == svc.Name && !wanted[c.Name] {
			plan.surplus = append(plan.surplus, c)
		}
	}
	return plan, nil
}

func containerAction(svc *stack.Service, hash string, c Instance) (action, string) {
	if c.Hash != hash {
		return recreate, "configuration changed"
	}
	switch c.State {
	case "running", "restarting", "paused":
		return keep, c.State
	case "exited":
		switch {
		case svc.OneShot && c.ExitCode == 0:
			// A one-shot that succeeded stays done.
			return keep, "one-shot completed"
		case svc.OneShot && c.WillRestart:
			return keep, "one-shot retrying"
		case svc.OneShot:
			return start, fmt.Sprintf("one-shot failed with exit %d", c.ExitCode)
		}
		return start, "exited"
	case "dead", "removing":
		return recreate, c.State
	default: // created
		return start, c.State
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
		b.WriteString(sp.service.Name)
		if sp.balancer != nil && sp.changes() {
			fmt.Fprintf(&b, " [rolling through %s, %s]", sp.balancer.Name, cmp.Or(sp.service.Update.Order, "start-first"))
		}
		var parts []string
		for _, s := range sp.steps {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", s.action, s.name, s.why))
		}
		for _, c := range sp.surplus {
			parts = append(parts, fmt.Sprintf("remove %s (surplus)", c.Name))
		}
		if len(parts) == 0 {
			parts = append(parts, "nothing (0 replicas)")
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
