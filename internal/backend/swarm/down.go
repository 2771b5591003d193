package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
	"github.com/stackctl/stackctl/internal/walk"
)

// downTimeout bounds each wait of down: for a level's tasks to stop, for
// a network's endpoints and a secret's users to go.
const downTimeout = 2 * time.Minute

// Down removes the project's services, dependents first (a service's
// tasks stopped before its dependencies go, and the containers a job's
// tasks leave removed; walk.Reverse), then its networks, secrets
// and configs, and the node labels that kept its data and its edges on
// one node. With Volumes, the project's volumes go too, on the node
// stackctl reaches; those on other nodes are named, with what it takes to
// remove them.
func (b *Backend) Down(ctx context.Context, st *stack.Stack, opts backend.DownOptions) error {
	if opts.Images != "" {
		return fmt.Errorf("down --rmi: %w: a swarm's nodes each keep the images they ran; take the stack down, then remove them on each node's engine (docker image rm)", ErrNotOnSwarm)
	}
	if _, err := b.manager(ctx); err != nil {
		return err
	}
	services, err := b.engine.ServiceList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	serviceOf := func(s engine.Service) string { return s.Labels[stack.LabelService] }
	err = walk.ReverseGroups(ctx, st, services, serviceOf, func(ctx context.Context, _ *stack.Service, services []engine.Service) error {
		return walk.Each(services, func(s engine.Service) error { return b.removeService(ctx, s) })
	})
	if err != nil {
		return err
	}
	if err := b.removeNetworks(ctx, st); err != nil {
		return err
	}
	if err := b.removeObjects(ctx, st); err != nil {
		return err
	}
	pinNode, err := b.unlabelNodes(ctx, st)
	if err != nil {
		return err
	}
	if opts.Volumes {
		return b.removeVolumes(ctx, st, pinNode)
	}
	return nil
}

// removeService removes a swarm service and returns once its tasks have
// stopped, with the containers a job's tasks leave removed.
func (b *Backend) removeService(ctx context.Context, s engine.Service) error {
	jobs, err := b.jobTasks(ctx, s)
	if err != nil {
		return err
	}
	if err := b.engine.ServiceRemove(ctx, s.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	b.report("service "+s.Name, "removing", "")
	if err := b.awaitGone(ctx, s); err != nil {
		return err
	}
	if err := b.removeJobContainers(ctx, s, jobs); err != nil {
		return err
	}
	b.report("service "+s.Name, "removed", "")
	return nil
}

// awaitGone waits until the removed service's tasks have stopped.
func (b *Backend) awaitGone(ctx context.Context, s engine.Service) error {
	waitCtx, cancel := context.WithTimeout(ctx, downTimeout)
	defer cancel()
	err := wait.Until(waitCtx, b.poll, wait.Func(func(ctx context.Context) (bool, error) {
		// All tasks, not the service's: a filter by a removed service is
		// refused, while its tasks are still stopping.
		tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{})
		if err != nil {
			return false, err
		}
		return !slices.ContainsFunc(tasks, func(t engine.Task) bool { return t.ServiceID == s.ID && live(t.State) }), nil
	}))
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("service %s: its tasks did not stop within %s: %w", s.Name, downTimeout, err)
	}
	return err
}

// live says a task in this state may still run a container.
func live(state string) bool {
	switch state {
	case "complete", "shutdown", "failed", "rejected", "orphaned", "remove":
		return false
	}
	return true
}

// removeNetworks removes the project's networks; a node lets go of a
// network a moment after its last task stopped, so a refusal is tried
// again.
func (b *Backend) removeNetworks(ctx context.Context, st *stack.Stack) error {
	specs, err := NetworkSpecs(st)
	if err != nil {
		return err
	}
	for _, n := range specs {
		if n.External {
			continue
		}
		found, err := b.engine.NetworkList(ctx, n.Name)
		if err != nil {
			return err
		}
		for _, net := range found {
			if net.Labels[stack.LabelProject] != st.Project {
				b.reportWarning("network "+n.Name, "left alone", "not this project's")
				continue
			}
			if err := b.retry(ctx, func(ctx context.Context) error { return b.engine.NetworkRemove(ctx, net.ID) }); err != nil {
				return fmt.Errorf("remove network %s: %w", n.Name, err)
			}
			b.report("network "+n.Name, "removed", "")
		}
	}
	return nil
}

// removeObjects removes the project's secrets and configs, the lock
// excepted: it goes when the run ends.
func (b *Backend) removeObjects(ctx context.Context, st *stack.Stack) error {
	secrets, err := b.engine.SecretList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	for _, s := range secrets {
		if err := b.retry(ctx, func(ctx context.Context) error { return b.engine.SecretRemove(ctx, s.ID) }); err != nil {
			return err
		}
		b.report("secret "+s.Name, "removed", "")
	}
	configs, err := b.engine.ConfigList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	for _, c := range configs {
		if err := b.retry(ctx, func(ctx context.Context) error { return b.engine.ConfigRemove(ctx, c.ID) }); err != nil {
			return err
		}
		b.report("config "+c.Name, "removed", "")
	}
	return nil
}

// retry calls remove until it succeeds, finds nothing to remove, or
// downTimeout passes.
func (b *Backend) retry(ctx context.Context, remove func(context.Context) error) error {
	var last error
	waitCtx, cancel := context.WithTimeout(ctx, downTimeout)
	defer cancel()
	err := wait.Until(waitCtx, 200*time.Millisecond, wait.Func(func(ctx context.Context) (bool, error) {
		last = remove(ctx)
		return last == nil || errors.Is(last, engine.ErrNotFound), nil
	}))
	if err != nil && last != nil && ctx.Err() == nil {
		return last
	}
	return err
}

// unlabelNodes removes the labels that placed the project's data and
// edges, and returns the node that kept its data (none when no node had
// the label).
func (b *Backend) unlabelNodes(ctx context.Context, st *stack.Stack) (engine.Node, error) {
	pinKey, edgeKey := pinLabelPrefix+st.Project, edgeLabelPrefix+st.Project
	nodes, err := b.engine.NodeList(ctx)
	if err != nil {
		return engine.Node{}, err
	}
	var pinNode engine.Node
	for _, n := range nodes {
		var keys []string
		for _, key := range []string{pinKey, edgeKey} {
			if _, ok := n.Labels[key]; ok {
				keys = append(keys, key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		if err := b.engine.NodeUpdateLabels(ctx, n.ID, nil, keys...); err != nil {
			return pinNode, fmt.Errorf("remove labels %s of project %s from node %s: %w", strings.Join(keys, ", "), st.Project, nodeName(nodes, n.ID), err)
		}
		if slices.Contains(keys, pinKey) {
			pinNode = n
		}
	}
	return pinNode, nil
}

// removeVolumes removes the project's volumes from the manager's engine.
// A volume lives on the node whose tasks used it: those on other nodes are
// named, since stackctl reaches only this one.
func (b *Backend) removeVolumes(ctx context.Context, st *stack.Stack, pinNode engine.Node) error {
	state, err := b.engine.SwarmInspect(ctx)
	if err != nil {
		return err
	}
	list, err := b.engine.VolumeList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	for _, v := range list {
		if err := b.retry(ctx, func(ctx context.Context) error { return b.engine.VolumeRemove(ctx, v.Name) }); err != nil {
			return err
		}
		b.report("volume "+v.Name, "removed", "")
	}
	if pinNode.ID != "" && pinNode.ID != state.NodeID {
		var names []string
		for _, v := range st.Volumes {
			if !v.External {
				names = append(names, st.VolumeName(v.Key))
			}
		}
		b.reportWarning("node "+pinNode.Hostname, "volumes left", fmt.Sprintf("%s live on node %s, which stackctl does not reach: run `docker volume rm %s` on it",
			strings.Join(names, ", "), pinNode.Hostname, strings.Join(names, " ")))
	}
	return nil
}
