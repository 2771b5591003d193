package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/engine"
)

// clearPoll is the pause between two looks at what a teardown left.
const clearPoll = 250 * time.Millisecond

// clear takes the copy down with the tool's own teardown and waits until
// the swarm holds none of its project's services, networks, secrets and
// configs, and no node runs any of its containers: a task still stopping
// on its node may hold web's port, and the next deploy's probe would see
// it answer. Then it removes what the teardown left on the nodes, and
// records it (round 0: before or after the rounds, only logged): `docker
// stack rm` leaves the volumes, and a swarm keeps a removed job's tasks,
// and so their exited containers (moby/moby#44312), which stackctl's
// migrate is. Each deploy starts from nothing. Both tools label
// everything they make com.docker.stack.namespace=<project>.
func (r *swarmRunner) clear(ctx context.Context, round int, c *swarmCopy) error {
	ctx, cancel := context.WithTimeout(ctx, swarmTeardownTimeout)
	defer cancel()
	// `docker stack rm` of a stack that is not there says so, and that is
	// what a clean slate looks like.
	if run, err := c.teardown(ctx); err != nil && !strings.Contains(run.Output, "Nothing found in stack") {
		return err
	}
	var left []string
	err := poll(ctx, clearPoll, func(ctx context.Context) (bool, error) {
		var err error
		left, err = r.swarmLeft(ctx, c)
		return len(left) == 0, err
	})
	if err != nil {
		return fmt.Errorf("the swarm still holds %s of project %s after the teardown: %w", strings.Join(left, ", "), c.project, err)
	}
	removed, err := r.removeLeftovers(ctx, c.project)
	for _, what := range removed {
		if round > 0 {
			r.report.Swarm.Leftovers = append(r.report.Swarm.Leftovers, SwarmLeftover{Round: round, Tool: c.tool.Name, Stack: c.stack.Key, What: what})
		}
		r.logf("%s: removed %s, which the teardown left", c.project, what)
	}
	return err
}

// swarmLeft names what the swarm still holds of the copy's project, and
// what still runs of it on any node.
func (r *swarmRunner) swarmLeft(ctx context.Context, c *swarmCopy) ([]string, error) {
	m := r.target.Manager
	labels := map[string]string{swarm.LabelNamespace: c.project}
	var left []string
	services, err := m.ServiceList(ctx, labels)
	if err != nil {
		return nil, err
	}
	for _, s := range services {
		left = append(left, "service "+s.Name)
	}
	for _, n := range c.model.Networks {
		if n.External {
			continue
		}
		found, err := m.NetworkList(ctx, n.Name)
		if err != nil {
			return nil, err
		}
		// The engine's name filter matches parts of names too.
		if slices.ContainsFunc(found, func(f engine.Network) bool { return f.Name == n.Name }) {
			left = append(left, "network "+n.Name)
		}
	}
	secrets, err := m.SecretList(ctx, labels)
	if err != nil {
		return nil, err
	}
	configs, err := m.ConfigList(ctx, labels)
	if err != nil {
		return nil, err
	}
	for _, o := range secrets {
		left = append(left, "secret "+o.Name)
	}
	for _, o := range configs {
		left = append(left, "config "+o.Name)
	}
	for _, n := range r.target.Nodes {
		containers, err := n.Engine.ContainerList(ctx, labels)
		if err != nil {
			return nil, err
		}
		for _, ct := range containers {
			if live(ct.State) {
				left = append(left, fmt.Sprintf("%s container %s on %s", ct.State, ct.Name, n.Name))
			}
		}
	}
	return left, nil
}

// live says a container in state s runs, or is about to stop or go.
func live(s string) bool {
	return s == "running" || s == "restarting" || s == "paused" || s == "removing"
}

// removeLeftovers removes the project's containers (none of which runs)
// and volumes on every node, waiting for a removed task's container that
// still holds a volume to go, and names what it removed.
func (r *swarmRunner) removeLeftovers(ctx context.Context, project string) ([]string, error) {
	labels := map[string]string{swarm.LabelNamespace: project}
	var removed []string
	var errs []error
	for _, n := range r.target.Nodes {
		containers, err := n.Engine.ContainerList(ctx, labels)
		if err != nil {
			errs = append(errs, fmt.Errorf("list containers on %s: %w", n.Name, err))
			continue
		}
		for _, ct := range containers {
			if err := n.Engine.ContainerRemove(ctx, ct.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
				errs = append(errs, fmt.Errorf("remove container %s on %s: %w", ct.Name, n.Name, err))
				continue
			}
			removed = append(removed, fmt.Sprintf("%s container of service %s on %s", ct.State, ct.Labels["com.docker.swarm.service.name"], n.Name))
		}
		vols, err := n.Engine.VolumeList(ctx, labels)
		if err != nil {
			errs = append(errs, fmt.Errorf("list volumes on %s: %w", n.Name, err))
			continue
		}
		for _, v := range vols {
			var last error
			err := poll(ctx, clearPoll, func(ctx context.Context) (bool, error) {
				last = n.Engine.VolumeRemove(ctx, v.Name)
				return last == nil || errors.Is(last, engine.ErrNotFound), nil
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("remove volume %s on %s: %w (%w)", v.Name, n.Name, err, last))
				continue
			}
			removed = append(removed, fmt.Sprintf("volume %s on %s", v.Name, n.Name))
		}
	}
	return removed, errors.Join(errs...)
}
