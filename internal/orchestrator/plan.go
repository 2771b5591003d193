package orchestrator

import (
	"fmt"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// action is what convergence does to one container.
type action int

const (
	keep     action = iota // up to date and in the wanted state
	start                  // up to date but stopped
	create                 // missing
	recreate               // out of date
)

func (a action) String() string {
	return [...]string{"keep", "start", "create", "recreate"}[a]
}

// step is the planned action for one replica of a service.
type step struct {
	action  action
	name    string // container name
	replica int
	current *engine.ContainerSummary // nil when missing
}

// servicePlan is the convergence of one service: a step per wanted replica,
// and the containers of the service that are no longer wanted.
type servicePlan struct {
	service *stack.Service
	hash    string
	steps   []step
	surplus []engine.ContainerSummary
}

// changes reports whether the plan does anything.
func (p servicePlan) changes() bool {
	if len(p.surplus) > 0 {
		return true
	}
	for _, s := range p.steps {
		if s.action != keep {
			return true
		}
	}
	return false
}

// planService compares the wanted replicas of svc with the containers on
// the engine (all of them, by name) and decides what to do with each. A
// container that holds a wanted name but is not this project's is an error:
// it is never touched.
func planService(st *stack.Stack, svc *stack.Service, hash string, byName map[string]engine.ContainerSummary) (servicePlan, error) {
	plan := servicePlan{service: svc, hash: hash}
	project := st.ProjectName()
	wanted := map[string]bool{}
	for i := 1; i <= svc.Replicas; i++ {
		name := st.ContainerName(svc, i)
		wanted[name] = true
		s := step{name: name, replica: i, action: create}
		if c, ok := byName[name]; ok {
			if owner := c.Labels[stack.LabelProject]; owner != project || c.Labels[stack.LabelService] != svc.Name {
				if owner == project {
					owner = fmt.Sprintf("%s, service %s", owner, c.Labels[stack.LabelService])
				}
				return servicePlan{}, &NotOwnedError{Kind: "container", Name: name, Project: project, Owner: owner}
			}
			s.current = &c
			s.action = containerAction(svc, hash, c)
		}
		plan.steps = append(plan.steps, s)
	}
	for _, c := range byName {
		if c.Labels[stack.LabelProject] == project && c.Labels[stack.LabelService] == svc.Name && !wanted[c.Name] {
			plan.surplus = append(plan.surplus, c)
		}
	}
	return plan, nil
}

func containerAction(svc *stack.Service, hash string, c engine.ContainerSummary) action {
	if c.Labels[stack.LabelConfigHash] != hash {
		return recreate
	}
	switch c.State {
	case "running", "restarting", "paused":
		return keep
	case "exited":
		// A finished one-shot stays finished; whether it succeeded is
		// checked when something waits for it.
		if svc.OneShot {
			return keep
		}
		return start
	case "dead", "removing":
		return recreate
	default: // created
		return start
	}
}
