package swarm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
)

// A swarm removes the containers of a removed service's tasks, except
// those of a job on engines before 23.0 (moby/moby#44312): the exited
// container of each of its tasks stays on the task's node, and nothing but
// down would remove it. down removes them where it reaches the node, and
// names the others with what removes them.

// jobTasks are the tasks of s that ran a container, when s is a job; none
// otherwise. They must be listed before s is removed: the swarm forgets a
// removed service's tasks.
func (b *Backend) jobTasks(ctx context.Context, s engine.Service) ([]engine.Task, error) {
	if s.Spec.Mode.ReplicatedJob == nil {
		return nil, nil
	}
	tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: s.ID})
	if err != nil {
		return nil, fmt.Errorf("list the tasks of job %s before removing it: %w", s.Name, err)
	}
	var ran []engine.Task
	for _, t := range tasks {
		if t.ContainerID != "" {
			ran = append(ran, t)
		}
	}
	return ran, nil
}

// removeJobContainers removes the containers the removed job s's tasks
// left, through the engine of each task's node; those on nodes stackctl
// does not reach are named in a warning.
func (b *Backend) removeJobContainers(ctx context.Context, s engine.Service, tasks []engine.Task) error {
	if len(tasks) == 0 {
		return nil
	}
	r, err := b.reach(ctx)
	if err != nil {
		return err
	}
	defer r.close()
	unreached := map[string][]string{}
	for _, t := range tasks {
		node := nodeName(r.nodes, t.NodeID)
		if !r.reaches(t.NodeID) {
			unreached[node] = append(unreached[node], t.ContainerID)
			continue
		}
		e, err := r.engine(ctx, t.NodeID)
		if err != nil {
			return fmt.Errorf("remove the container of job %s's task %s: %w", s.Name, shortID(t.ID), err)
		}
		err = b.retry(ctx, func(ctx context.Context) error { return e.ContainerRemove(ctx, t.ContainerID) })
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove the container %s of job %s's task %s on node %s: %w", shortID(t.ContainerID), s.Name, shortID(t.ID), node, err)
		}
		b.report("container "+shortID(t.ContainerID), "removed", fmt.Sprintf("of job %s, on node %s", s.Name, node))
	}
	for node, ids := range unreached {
		short := make([]string, len(ids))
		for i, id := range ids {
			short[i] = shortID(id)
		}
		b.reportWarning("node "+node, "containers left", fmt.Sprintf(
			"the exited container(s) %s of job %s stay on node %s, which stackctl does not reach (the swarm keeps a removed job's containers): run `docker rm %s` on it, or give --node-engine %s=tcp://HOST:PORT",
			strings.Join(short, ", "), s.Name, node, strings.Join(short, " "), node))
	}
	return nil
}
