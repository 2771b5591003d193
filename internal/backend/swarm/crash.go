package swarm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// Crash kills a task's container the way a real crash looks (SIGKILL to its
// main process from outside the API, see internal/backend/crash) through
// the engine of the node it runs on, then times what the swarm does about
// it, from its tasks: the task failed, a new task was made in its slot and
// started, turned healthy (the swarm holds a task with a healthcheck in
// starting until its first probe passes), and the services that depend on
// it serve again.
func (b *Backend) Crash(ctx context.Context, st *stack.Stack, opts backend.CrashOptions) (backend.CrashReport, error) {
	if err := backend.CheckServices(st, []string{opts.Service}); err != nil {
		return backend.CrashReport{}, err
	}
	svc, _ := st.Service(opts.Service)
	s, err := b.engine.ServiceInspect(ctx, ServiceName(st.Project, svc.Name))
	if errors.Is(err, engine.ErrNotFound) {
		return backend.CrashReport{}, fmt.Errorf("kill %s: service %s is not deployed; run `stackctl --swarm up` first", svc.Name, ServiceName(st.Project, svc.Name))
	}
	if err != nil {
		return backend.CrashReport{}, err
	}
	r, err := b.reach(ctx)
	if err != nil {
		return backend.CrashReport{}, err
	}
	defer r.close()
	tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: s.ID})
	if err != nil {
		return backend.CrashReport{}, err
	}
	task, err := pickTask(s, svc.Name, tasks, opts.Replica, r.reaches)
	if err != nil {
		return backend.CrashReport{}, err
	}
	eng, err := r.engine(ctx, task.NodeID)
	if errors.Is(err, ErrNodeNotReached) {
		return backend.CrashReport{}, r.unreached(svc.Name, taskName(s, task), task)
	}
	if err != nil {
		return backend.CrashReport{}, fmt.Errorf("kill %s: %w", svc.Name, err)
	}
	node := nodeName(r.nodes, task.NodeID)
	c, err := eng.ContainerInspect(ctx, task.ContainerID)
	if err != nil {
		return backend.CrashReport{}, fmt.Errorf("kill %s: inspect the container of task %s on node %s: %w", svc.Name, taskName(s, task), node, err)
	}
	if !c.Running() || c.Pid == 0 {
		return backend.CrashReport{}, fmt.Errorf("service %s: the container %s of task %s on node %s is %s, not running",
			svc.Name, c.Name, taskName(s, task), node, c.Status)
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = backend.DefaultWaitTimeout
	}

	report := backend.CrashReport{Service: svc.Name, Container: c.Name, RestartPolicy: restartCondition(s.Spec)}
	timeline := crash.Begin(&report, "task "+taskName(s, task), b.progress)
	method, err := b.killer.Kill(ctx, eng, c, st.ProjectLabels())
	if err != nil {
		return backend.CrashReport{}, err
	}
	timeline.Killed(method + " on node " + node)
	if opts.NoWait {
		return report, nil
	}
	ctx, cancel := timeline.Watch(ctx, opts.WaitTimeout)
	defer cancel()

	var ended engine.Task
	err = b.untilTasks(ctx, s.ID, func(tasks []engine.Task) (bool, error) {
		i := slices.IndexFunc(tasks, func(t engine.Task) bool { return t.ID == task.ID })
		if i < 0 {
			return false, nil
		}
		ended = tasks[i]
		return taskEnded(ended.State), nil
	})
	if err != nil {
		return report, timeline.WaitError("seen to fail", err)
	}
	timeline.Mark(fmt.Sprintf("task %s (SIGKILL, exit %d)", ended.State, ended.ExitCode))
	if report.RestartPolicy == string(swarmapi.RestartPolicyConditionNone) {
		return report, fmt.Errorf("service %s: the swarm starts no new task in place of %s: its restart condition is none (restart: \"no\")", svc.Name, taskName(s, task))
	}

	var next engine.Task
	err = b.untilTasks(ctx, s.ID, func(tasks []engine.Task) (bool, error) {
		var found bool
		next, found = replacementOf(tasks, task)
		return found, nil
	})
	if err != nil {
		return report, timeline.WaitError("replaced", err)
	}
	// The scheduler may not have placed it yet: its node is named once it
	// starts.
	timeline.Mark(fmt.Sprintf("new task %s created", shortID(next.ID)))

	// Without a healthcheck a task runs once started; with one, the swarm
	// holds it in starting until its first probe passes.
	healthcheck := svc.Healthcheck.Enabled()
	started := func(state string) bool { return state == "running" || healthcheck && state == "starting" }
	if err := b.followTask(ctx, svc, s, &next, started); err != nil {
		return report, timeline.WaitError("started", err)
	}
	timeline.Mark("new task started on node " + nodeName(r.nodes, next.NodeID))
	if healthcheck {
		if err := b.followTask(ctx, svc, s, &next, func(state string) bool { return state == "running" }); err != nil {
			return report, timeline.WaitError("healthy", err)
		}
		timeline.Mark("healthy")
	}

	for _, dependent := range crash.ServingDependents(st, svc.Name) {
		probed, unreached, err := b.awaitServing(ctx, st, dependent, r)
		if err != nil {
			return report, timeline.WaitError("serving", err)
		}
		switch {
		case len(unreached) == 0:
			timeline.Mark(dependent.Name + " serving again")
		case probed > 0:
			timeline.Mark(fmt.Sprintf("%s serving again (%d task(s) probed; not those on %s, whose engine stackctl was not given)",
				dependent.Name, probed, strings.Join(unreached, ", ")))
		default:
			b.reportWarning("service "+ServiceName(st.Project, dependent.Name), "not probed",
				fmt.Sprintf("its tasks run on %s, whose engine stackctl was not given (--node-engine)", strings.Join(unreached, ", ")))
		}
	}
	return report, nil
}

// pickTask finds the task of service to crash among the service's tasks:
// the replica named (SERVICE-N for slot N, the task's name as ps shows it,
// or its ID), else the first running one by slot on a node stackctl
// reaches, else the first running one.
func pickTask(s engine.Service, service string, tasks []engine.Task, replica string, reaches func(nodeID string) bool) (engine.Task, error) {
	current := slices.DeleteFunc(slices.Clone(tasks), func(t engine.Task) bool { return t.DesiredState != "running" })
	slices.SortFunc(current, func(a, b engine.Task) int { return cmp.Compare(a.Slot, b.Slot) })
	if len(current) == 0 {
		return engine.Task{}, fmt.Errorf("service %s has no task meant to run; bring the stack up first with `stackctl --swarm up`", service)
	}
	if replica != "" {
		names := make([]string, 0, len(current))
		for _, t := range current {
			if replica == fmt.Sprintf("%s-%d", service, t.Slot) || replica == taskName(s, t) || replica == t.ID || replica == shortID(t.ID) {
				if t.State != "running" {
					return engine.Task{}, fmt.Errorf("service %s: task %s is %s, not running", service, taskName(s, t), t.State)
				}
				return t, nil
			}
			names = append(names, fmt.Sprintf("%s-%d (%s)", service, t.Slot, taskName(s, t)))
		}
		return engine.Task{}, fmt.Errorf("service %s has no replica %q (it has: %s)", service, replica, strings.Join(names, ", "))
	}
	running := slices.DeleteFunc(current, func(t engine.Task) bool { return t.State != "running" })
	if len(running) == 0 {
		return engine.Task{}, fmt.Errorf("service %s has no running task to crash; `stackctl --swarm ps` shows its tasks", service)
	}
	if i := slices.IndexFunc(running, func(t engine.Task) bool { return reaches(t.NodeID) }); i >= 0 {
		return running[i], nil
	}
	return running[0], nil
}

// replacementOf is the task the swarm made in place of killed: the newest
// of killed's slot (of its node, for a service with one task per node)
// made after it.
func replacementOf(tasks []engine.Task, killed engine.Task) (engine.Task, bool) {
	var out engine.Task
	found := false
	for _, t := range tasks {
		if t.ID == killed.ID || t.Slot != killed.Slot || killed.Slot == 0 && t.NodeID != killed.NodeID || !t.Created.After(killed.Created) {
			continue
		}
		if !found || t.Created.After(out.Created) {
			out, found = t, true
		}
	}
	return out, found
}

// awaitServing waits until each running task of svc passes its readiness
// probe, run in the task's container through its node's engine. It
// returns how many it probed, and the nodes of the tasks it could not.
func (b *Backend) awaitServing(ctx context.Context, st *stack.Stack, svc *stack.Service, r *reach) (int, []string, error) {
	tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: ServiceName(st.Project, svc.Name), DesiredState: "running"})
	if err != nil {
		return 0, nil, err
	}
	probed := 0
	var unreached []string
	for _, t := range tasks {
		if t.State != "running" {
			continue
		}
		if !r.reaches(t.NodeID) {
			if n := nodeName(r.nodes, t.NodeID); !slices.Contains(unreached, n) {
				unreached = append(unreached, n)
			}
			continue
		}
		eng, err := r.engine(ctx, t.NodeID)
		if err != nil {
			return probed, unreached, err
		}
		if err := crash.AwaitReadiness(ctx, eng, t.ContainerID, svc.Readiness, b.poll); err != nil {
			return probed, unreached, fmt.Errorf("task %s.%d of %s on node %s: %w", ServiceName(st.Project, svc.Name), t.Slot, svc.Name, nodeName(r.nodes, t.NodeID), err)
		}
		probed++
	}
	slices.Sort(unreached)
	return probed, unreached, nil
}

// followTask follows task t of service s until its state is one reached
// accepts; a task that ended first fails, saying why.
func (b *Backend) followTask(ctx context.Context, svc *stack.Service, s engine.Service, t *engine.Task, reached func(state string) bool) error {
	return b.untilTasks(ctx, s.ID, func(tasks []engine.Task) (bool, error) {
		i := slices.IndexFunc(tasks, func(got engine.Task) bool { return got.ID == t.ID })
		if i < 0 {
			return false, nil
		}
		if *t = tasks[i]; taskEnded(t.State) {
			return false, b.taskFailure(ctx, svc, s, *t)
		}
		return reached(t.State), nil
	})
}

// untilTasks lists the service's tasks every poll until done says so.
func (b *Backend) untilTasks(ctx context.Context, serviceID string, done func([]engine.Task) (bool, error)) error {
	return wait.Until(ctx, b.poll, wait.Func(func(ctx context.Context) (bool, error) {
		tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: serviceID})
		if err != nil {
			return false, err
		}
		return done(tasks)
	}))
}

// taskEnded says a task in state runs nothing and never will again.
func taskEnded(state string) bool {
	switch state {
	case "complete", "shutdown", "failed", "rejected", "orphaned", "remove":
		return true
	}
	return false
}

// taskName is a task's name as ps shows it: its service's and its slot.
func taskName(s engine.Service, t engine.Task) string {
	return fmt.Sprintf("%s.%d", s.Name, t.Slot)
}

// restartCondition is when the swarm replaces a task of the spec that
// ended: any (its default), on-failure or none.
func restartCondition(spec swarmapi.ServiceSpec) string {
	if p := spec.TaskTemplate.RestartPolicy; p != nil && p.Condition != "" {
		return string(p.Condition)
	}
	return string(swarmapi.RestartPolicyConditionAny)
}
