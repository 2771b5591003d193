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

// clear takes the copy down with the tool's own teardown, waits until the
// swarm holds none of its project's services, networks, secrets and
// configs and no node any of its containers, and removes its project's
// volumes on every node: `docker stack
// rm` leaves them, and each deploy must start from nothing. Both tools
// label everything they make com.docker.stack.namespace=<project>.
// stackctl's `down -v` must leave nothing: a volume it left is an error
// (and removed all the same).
func (r *swarmRunner) clear(ctx context.Context, c *swarmCopy) error {
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
	removed, err := r.removeVolumes(ctx, c.project)
	if err != nil {
		return err
	}
	if len(removed) > 0 && c.tool.Name == toolStackctl {
		return fmt.Errorf("stackctl's down -v left volume(s) %s (removed)", strings.Join(removed, ", "))
	}
	if len(removed) > 0 {
		r.logf("%s: removed volume(s) %s, which docker stack rm leaves", c.project, strings.Join(removed, ", "))
	}
	return nil
}

// swarmLeft names what the swarm still holds of the copy's project.
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
	// A removed service's tasks stop on their nodes after it is gone from
	// the manager's list, and one still stopping may hold web's port: the
	// next deploy's probe would see it answer.
	for _, n := range r.target.Nodes {
		containers, err := n.Engine.ContainerList(ctx, labels)
		if err != nil {
			return nil, err
		}
		for _, ct := range containers {
			left = append(left, fmt.Sprintf("container %s on %s", ct.Name, n.Name))
		}
	}
	return left, nil
}

// removeVolumes removes the project's volumes on every node, waiting for
// the containers of removed tasks that still hold them to go, and names
// those it removed.
func (r *swarmRunner) removeVolumes(ctx context.Context, project string) ([]string, error) {
	var removed []string
	var errs []error
	for _, n := range r.target.Nodes {
		vols, err := n.Engine.VolumeList(ctx, map[string]string{swarm.LabelNamespace: project})
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
			removed = append(removed, v.Name+" on "+n.Name)
		}
	}
	return removed, errors.Join(errs...)
}
