package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/volume"
)

// clearPoll is the pause between two looks at what a teardown left.
const clearPoll = 250 * time.Millisecond

// removedGrace is how long the nodes get to remove the exited containers
// of a removed service's tasks on their own, once nothing of it runs.
const removedGrace = 15 * time.Second

// clear takes the copy down with the tool's own teardown and waits until
// the swarm holds none of its project's services, networks, secrets and
// configs, and no node runs any of its containers: a task still stopping
// on its node may hold web's port, and the next deploy's probe would see
// it answer. Once the nodes have had removedGrace to remove the exited
// containers of the removed tasks, it removes what the teardown left on
// them and records it (round 0, before or after the rounds: only logs
// it): `docker stack rm` leaves the volumes, and a swarm keeps a removed
// job's tasks, and so their exited containers (moby/moby#44312), which
// leaves stackctl's migrate behind. Each deploy starts from nothing. Both
// tools label everything they make com.docker.stack.namespace=<project>.
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
	// Whatever is still there after the grace is removed below.
	graceCtx, cancelGrace := context.WithTimeout(ctx, removedGrace)
	_ = poll(graceCtx, clearPoll, func(ctx context.Context) (bool, error) {
		n, err := r.containersLeft(ctx, c.project)
		return n == 0, err
	})
	cancelGrace()
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
	ns := labelFilters(map[string]string{labelNamespace: c.project})
	var left []string
	services, err := m.ServiceList(ctx, swarm.ServiceListOptions{Filters: ns})
	if err != nil {
		return nil, fmt.Errorf("list the services of %s: %w", c.project, err)
	}
	for _, s := range services {
		left = append(left, "service "+s.Spec.Name)
	}
	for _, name := range c.config.ownNetworks() {
		found, err := m.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
		if err != nil {
			return nil, fmt.Errorf("list the networks named %s: %w", name, err)
		}
		// The engine's name filter matches parts of names too.
		if slices.ContainsFunc(found, func(f network.Summary) bool { return f.Name == name }) {
			left = append(left, "network "+name)
		}
	}
	secrets, err := m.SecretList(ctx, swarm.SecretListOptions{Filters: ns})
	if err != nil {
		return nil, fmt.Errorf("list the secrets of %s: %w", c.project, err)
	}
	for _, o := range secrets {
		left = append(left, "secret "+o.Spec.Name)
	}
	configs, err := m.ConfigList(ctx, swarm.ConfigListOptions{Filters: ns})
	if err != nil {
		return nil, fmt.Errorf("list the configs of %s: %w", c.project, err)
	}
	for _, o := range configs {
		left = append(left, "config "+o.Spec.Name)
	}
	for _, n := range r.target.Nodes {
		containers, err := projectContainers(ctx, n, c.project)
		if err != nil {
			return nil, err
		}
		for _, ct := range containers {
			if live(string(ct.State)) {
				left = append(left, fmt.Sprintf("%s container %s on %s", ct.State, containerName(ct), n.Name))
			}
		}
	}
	return left, nil
}

// projectContainers are the containers of project's tasks on node, in any
// state.
func projectContainers(ctx context.Context, node SwarmNode, project string) ([]container.Summary, error) {
	list, err := node.Engine.ContainerList(ctx, container.ListOptions{All: true, Filters: labelFilters(map[string]string{labelNamespace: project})})
	if err != nil {
		return nil, fmt.Errorf("list the containers of %s on %s: %w", project, node.Name, err)
	}
	return list, nil
}

// containerName is a listed container's name, without the engine's "/".
func containerName(c container.Summary) string {
	if len(c.Names) == 0 {
		return c.ID
	}
	return strings.TrimPrefix(c.Names[0], "/")
}

// containersLeft counts the project's containers on every node, in any
// state.
func (r *swarmRunner) containersLeft(ctx context.Context, project string) (int, error) {
	n := 0
	for _, node := range r.target.Nodes {
		containers, err := projectContainers(ctx, node, project)
		if err != nil {
			return 0, err
		}
		n += len(containers)
	}
	return n, nil
}

// live says a container in state s runs, or is about to stop or go.
func live(s string) bool {
	return s == "running" || s == "restarting" || s == "paused" || s == "removing"
}

// removeLeftovers removes the project's containers (none of which runs)
// and volumes on every node, waiting for a removed task's container that
// still holds a volume to go, and names what it removed.
func (r *swarmRunner) removeLeftovers(ctx context.Context, project string) ([]string, error) {
	var removed []string
	var errs []error
	for _, n := range r.target.Nodes {
		containers, err := projectContainers(ctx, n, project)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ct := range containers {
			if err := removeContainer(ctx, n.Engine, ct.ID); err != nil && !isNotFound(err) {
				errs = append(errs, fmt.Errorf("on %s: %w", n.Name, err))
				continue
			}
			removed = append(removed, fmt.Sprintf("%s container of service %s on %s", ct.State, ct.Labels["com.docker.swarm.service.name"], n.Name))
		}
		vols, err := n.Engine.VolumeList(ctx, volume.ListOptions{Filters: labelFilters(map[string]string{labelNamespace: project})})
		if err != nil {
			errs = append(errs, fmt.Errorf("list volumes on %s: %w", n.Name, err))
			continue
		}
		for _, v := range vols.Volumes {
			var last error
			err := poll(ctx, clearPoll, func(ctx context.Context) (bool, error) {
				last = n.Engine.VolumeRemove(ctx, v.Name, false)
				return last == nil || isNotFound(last), nil
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
