package orchestrator

import (
	"fmt"
	"slices"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// reconcile decides, service by service, what to do with each wanted
// replica and each container the project has. A container that holds a
// wanted name but is not this project's is an error: it is never touched.
func reconcile(st *stack.Stack, obs backend.Observed, names backend.Naming, opts backend.UpOptions) (backend.Plan, error) {
	order, err := st.StartOrder()
	if err != nil {
		return backend.Plan{}, err
	}
	plan := backend.Plan{Project: st.Project, RemoveOrphans: opts.RemoveOrphans}
	for _, name := range order {
		svc, _ := st.Service(name)
		sp, err := planService(st, svc, names.InstanceNames(st, svc), st.ConfigHash(svc, obs.ImageIDs[svc.Image]), obs.Instances, opts.Recreate)
		if err != nil {
			return backend.Plan{}, err
		}
		if c, ok := obs.Completions[svc.Name]; ok && svc.OneShot && c.Hash == sp.Hash && c.Data == obs.Data {
			for i, s := range sp.Steps {
				if s.Action == backend.Create {
					sp.Steps[i].Action, sp.Steps[i].Why = backend.Done, "completed before, same configuration and data"
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
		plan.Services[i].PreStart = preStarts(plan.Services[i])
	}
	for i := range plan.Services {
		sp := &plan.Services[i]
		lb := sp.Service.LoadBalancer
		if lb == nil || len(sp.Steps) != 1 || sp.Steps[0].Action != backend.Keep || sp.Steps[0].Current.State != "running" {
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
// Compose does. Services are in start order, so a restart cascades. A
// service made with a dependency's container (network_mode service:,
// volumes_from, links: see stack.Service.CreatedAfter) is recreated when
// that container is: the engine tied it to the old one.
func restartDependents(plans []backend.ServicePlan) {
	replaced := map[string]bool{}
	remade := map[string]bool{}
	for i := range plans {
		sp := &plans[i]
		for _, name := range sp.Service.CreatedAfter() {
			if !remade[name] {
				continue
			}
			for j, s := range sp.Steps {
				if s.Current != nil && (s.Action == backend.Keep || s.Action == backend.Start || s.Action == backend.Restart) {
					sp.Steps[j].Action, sp.Steps[j].Why = backend.Recreate, "made with "+name+"'s container, which is replaced"
				}
			}
		}
		for _, d := range sp.Service.DependsOn {
			if !d.Restart || !replaced[d.Service] {
				continue
			}
			for j, s := range sp.Steps {
				if s.Action == backend.Keep && s.Current.State == "running" {
					sp.Steps[j].Action, sp.Steps[j].Why = backend.Restart, "dependency "+d.Service+" replaced"
				}
			}
		}
		replaced[sp.Service.Name] = slices.ContainsFunc(sp.Steps, func(s backend.Step) bool { return s.Action == backend.Recreate || s.Action == backend.Restart })
		remade[sp.Service.Name] = slices.ContainsFunc(sp.Steps, func(s backend.Step) bool { return s.Action == backend.Recreate || s.Action == backend.Create })
	}
}

func planService(st *stack.Stack, svc *stack.Service, names []string, hash string, byName map[string]backend.Instance, recreate string) (backend.ServicePlan, error) {
	plan := backend.ServicePlan{Service: svc, Hash: hash}
	project := st.ProjectName()
	wanted := map[string]bool{}
	for i, name := range names {
		wanted[name] = true
		s := backend.Step{Name: name, Replica: i + 1, Action: backend.Create, Why: "missing"}
		if c, ok := byName[name]; ok {
			if owner := c.Project; owner != project || c.Service != svc.Name {
				if owner == project {
					owner = fmt.Sprintf("%s, service %s", owner, c.Service)
				}
				return backend.ServicePlan{}, &backend.NotOwnedError{Kind: "container", Name: name, Project: project, Owner: owner}
			}
			s.Current = &c
			s.Action, s.Why = containerAction(svc, hash, c)
			switch {
			case recreate == backend.RecreateForce && s.Action != backend.Recreate:
				s.Action, s.Why = backend.Recreate, "--force-recreate"
			case recreate == backend.RecreateNever && c.Hash != hash && c.MadeBy == "":
				s.Action, s.Why = containerAction(svc, c.Hash, c)
				s.Why += "; configuration changed, kept (--no-recreate)"
			}
		}
		plan.Steps = append(plan.Steps, s)
	}
	plan.Replace = replacement(svc, len(plan.Steps))
	for _, name := range sortedNames(byName) {
		c := byName[name]
		if c.Project == project && c.Service == svc.Name && !wanted[c.Name] {
			plan.Surplus = append(plan.Surplus, c)
		}
	}
	return plan, nil
}

// preStarts says a service's pre_start hooks run in this plan: it has
// some, a step starts one of its containers, and none of its containers
// keeps running meanwhile. Compose runs them when no replica runs at
// observation or all are replaced, never beside a running replica.
func preStarts(sp backend.ServicePlan) bool {
	if len(sp.Service.PreStart) == 0 {
		return false
	}
	// Replaced start-first (in turn, or through a load balancer), the old
	// replicas run while the new ones start.
	startFirst := sp.Balancer != nil || sp.Replace == backend.ReplaceInTurnStartFirst
	starts := false
	for _, s := range sp.Steps {
		running := s.Current != nil && s.Current.State == "running"
		switch s.Action {
		case backend.Create, backend.Start:
			starts = true
		case backend.Recreate:
			if running && startFirst {
				return false
			}
			starts = true
		default:
			if running {
				return false
			}
		}
	}
	return starts
}

// replacement is how a service's out-of-date replicas are replaced: in
// turn when it has several instances and no load balancer, as its clients reach it
// by its name, which the engine's DNS answers with the running replicas;
// start-first unless it binds host ports. (Behind a load balancer the
// replicas roll through it; see ServicePlan.Balancer.)
func replacement(svc *stack.Service, instances int) backend.Replacement {
	switch {
	case instances < 2 || svc.OneShot || svc.LoadBalancer != nil:
		return backend.ReplaceAtOnce
	case slices.ContainsFunc(svc.Ports, func(p stack.Port) bool { return p.HostPort != 0 }):
		return backend.ReplaceInTurnStopFirst
	}
	return backend.ReplaceInTurnStartFirst
}

func containerAction(svc *stack.Service, hash string, c backend.Instance) (backend.Action, string) {
	if c.MadeBy != "" {
		return backend.Recreate, "made by " + c.MadeBy + ", replaced by stackctl's"
	}
	if c.Hash != hash {
		return backend.Recreate, "configuration changed"
	}
	if c.Replicated && c.Replicas != svc.Replicas {
		return backend.Scale, fmt.Sprintf("%d replicas, %d wanted", c.Replicas, svc.Replicas)
	}
	switch c.State {
	case "running", "restarting", "paused":
		return backend.Keep, c.State
	case "exited":
		switch {
		case svc.OneShot && c.ExitCode == 0:
			// A one-shot that succeeded stays done.
			return backend.Keep, "one-shot completed"
		case svc.OneShot && c.WillRestart:
			return backend.Keep, "one-shot retrying"
		case svc.OneShot:
			return backend.Start, fmt.Sprintf("one-shot failed with exit %d", c.ExitCode)
		}
		return backend.Start, "exited"
	case "dead", "removing":
		return backend.Recreate, c.State
	default: // created
		return backend.Start, c.State
	}
}

func sortedNames(m map[string]backend.Instance) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
