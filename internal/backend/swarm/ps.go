package swarm

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// PS lists the project's tasks that are meant to run (and a one-shot's
// last run), with their nodes, in the stack's start order.
func (b *Backend) PS(ctx context.Context, st *stack.Stack) ([]backend.ContainerStatus, error) {
	services, err := b.engine.ServiceList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, err
	}
	nodes, err := b.engine.NodeList(ctx)
	if err != nil {
		return nil, err
	}
	var out []backend.ContainerStatus
	for _, s := range services {
		tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: s.ID})
		if err != nil {
			return nil, err
		}
		for _, t := range shownTasks(s, tasks) {
			out = append(out, statusOf(s, t, nodes))
		}
	}
	rank := st.StartRank()
	slices.SortStableFunc(out, func(a, b backend.ContainerStatus) int {
		return cmp.Or(cmp.Compare(rank(a.Service), rank(b.Service)), cmp.Compare(a.Replica, b.Replica))
	})
	return out, nil
}

// shownTasks are the tasks meant to run, or for a job its latest run: what
// the service is now, not its history.
func shownTasks(s engine.Service, tasks []engine.Task) []engine.Task {
	if s.Spec.Mode.ReplicatedJob != nil {
		if len(tasks) == 0 {
			return nil
		}
		return []engine.Task{slices.MaxFunc(tasks, func(a, b engine.Task) int { return a.Created.Compare(b.Created) })}
	}
	return slices.DeleteFunc(tasks, func(t engine.Task) bool { return t.DesiredState != "running" })
}

func statusOf(s engine.Service, t engine.Task, nodes []engine.Node) backend.ContainerStatus {
	c := backend.ContainerStatus{
		Service: s.Labels[stack.LabelService], Name: taskName(s, t), ID: t.ID,
		Replica: t.Slot, State: t.State, ExitCode: t.ExitCode,
		Node: nodeName(nodes, t.NodeID), Error: t.Err,
		Created: t.Created, Labels: t.Labels,
	}
	if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil {
		c.Image = cs.Image
		c.Command = strings.Join(append(slices.Clone(cs.Command), cs.Args...), " ")
	}
	// A port published in host mode is bound on the task's node: its
	// address is where the port is reached.
	for _, p := range t.Ports {
		p.HostIP = nodeAddr(nodes, t.NodeID)
		c.Ports = append(c.Ports, p)
	}
	c.Exposed = c.Ports
	if p := s.Spec.TaskTemplate.RestartPolicy; p != nil {
		c.RestartPolicy = string(p.Condition)
	}
	if t.State == "running" {
		c.StartedAt = t.StatusAt
		if cs := s.Spec.TaskTemplate.ContainerSpec; cs != nil && cs.Healthcheck != nil && len(cs.Healthcheck.Test) > 0 && cs.Healthcheck.Test[0] != "NONE" {
			// The swarm holds a task with a healthcheck in starting until
			// its first probe passes.
			c.Health = "healthy"
		}
	}
	return c
}

// nodeAddr is a node's address as the swarm sees it ("" when unknown).
func nodeAddr(nodes []engine.Node, id string) string {
	for _, n := range nodes {
		if n.ID == id {
			return n.Addr
		}
	}
	return ""
}
