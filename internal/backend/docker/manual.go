package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// Pause freezes the running containers of the named services (all when
// none are named). A paused container keeps its state and its restart
// policy does not act on it; unpause thaws it where it stopped.
func (b *Backend) Pause(ctx context.Context, st *stack.Stack, services []string) error {
	return b.eachInState(ctx, st, services, "running", "pausing", "paused", b.engine.ContainerPause)
}

// Unpause thaws the paused containers of the named services (all when
// none are named).
func (b *Backend) Unpause(ctx context.Context, st *stack.Stack, services []string) error {
	return b.eachInState(ctx, st, services, "paused", "unpausing", "unpaused", b.engine.ContainerUnpause)
}

// eachInState applies do, side by side, to the named services' replicas
// that are in state, reporting each before and after; the others are left
// as they are, so pausing twice is no error.
func (b *Backend) eachInState(ctx context.Context, st *stack.Stack, services []string, state, doing, done string,
	do func(context.Context, string) error) error {
	replicas, err := b.replicasOf(ctx, st, services)
	if err != nil {
		return err
	}
	replicas = slices.DeleteFunc(replicas, func(c backend.ContainerStatus) bool { return c.State != state })
	return walk.Each(replicas, func(c backend.ContainerStatus) error {
		b.report("container "+c.Name, doing, "")
		if err := do(ctx, c.ID); err != nil {
			return err
		}
		b.report("container "+c.Name, done, "")
		return nil
	})
}

// replicasOf lists the replicas of the named services (all the services'
// when none are named), as PS orders them; run's one-offs are none of them.
func (b *Backend) replicasOf(ctx context.Context, st *stack.Stack, services []string) ([]backend.ContainerStatus, error) {
	selected, err := backend.SelectServices(st, services)
	if err != nil {
		return nil, err
	}
	all, err := b.PS(ctx, st)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c backend.ContainerStatus) bool {
		return c.OneOff || !slices.Contains(selected, c.Service)
	}), nil
}

// Top lists the processes of the named services' running containers (all
// when none are named), side by side, in PS's order. A container that
// stopped meanwhile is left out: it has no processes.
func (b *Backend) Top(ctx context.Context, st *stack.Stack, services []string) ([]backend.Processes, error) {
	replicas, err := b.replicasOf(ctx, st, services)
	if err != nil {
		return nil, err
	}
	replicas = slices.DeleteFunc(replicas, func(c backend.ContainerStatus) bool { return c.State != "running" })
	out := make([]backend.Processes, len(replicas))
	found := make([]bool, len(replicas))
	err = walk.Each(indices(replicas), func(i int) error {
		c := replicas[i]
		p, err := b.engine.ContainerTop(ctx, c.ID)
		if errors.Is(err, engine.ErrConflict) || errors.Is(err, engine.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("service %s: %w", c.Service, err)
		}
		out[i] = backend.Processes{Service: c.Service, Replica: c.Replica, Container: c.Name, Titles: p.Titles, Rows: p.Rows}
		found[i] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	kept := out[:0]
	for i, p := range out {
		if found[i] {
			kept = append(kept, p)
		}
	}
	return kept, nil
}

// Port returns the HOST:PORT the engine publishes the replica's port on,
// as Compose prints it. The replica need not run, but a stopped one
// publishes nothing. Of an IPv4 and an IPv6 binding, the IPv4 one is
// given, as Compose gives the engine's first, which is IPv4.
func (b *Backend) Port(ctx context.Context, st *stack.Stack, opts backend.PortOptions) (string, error) {
	c, err := b.replica(ctx, st, opts.Service, opts.Index)
	if err != nil {
		return "", err
	}
	proto := cmp.Or(strings.ToLower(opts.Protocol), "tcp")
	var found *stack.Port
	var have []string
	for i, p := range c.Ports {
		have = append(have, fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol))
		if p.ContainerPort != opts.Port || p.Protocol != proto || p.HostPort == 0 {
			continue
		}
		if found == nil || (strings.Contains(found.HostIP, ":") && !strings.Contains(p.HostIP, ":")) {
			found = &c.Ports[i]
		}
	}
	if found == nil {
		slices.Sort(have)
		return "", fmt.Errorf("no port %d/%s for container %s (service %s, %s): %w; it publishes: %s",
			opts.Port, proto, c.Name, c.Service, c.State, backend.ErrNoPort, cmp.Or(strings.Join(slices.Compact(have), ", "), "none"))
	}
	return net.JoinHostPort(cmp.Or(found.HostIP, "0.0.0.0"), strconv.Itoa(found.HostPort)), nil
}

// replica is service's replica index, in any state, or with index 0 its
// lowest-numbered one.
func (b *Backend) replica(ctx context.Context, st *stack.Stack, service string, index int) (backend.ContainerStatus, error) {
	if index < 0 {
		return backend.ContainerStatus{}, fmt.Errorf("service %s: --index %d is out of range: %w (replicas count from 1)", service, index, backend.ErrNoSuchReplica)
	}
	replicas, err := b.replicasOf(ctx, st, []string{service})
	if err != nil {
		return backend.ContainerStatus{}, err
	}
	if len(replicas) == 0 {
		return backend.ContainerStatus{}, fmt.Errorf("service %s has no container: %w; create it with `stackctl up`", service, backend.ErrNotRunning)
	}
	if index == 0 {
		return replicas[0], nil
	}
	for _, c := range replicas {
		if c.Replica == index {
			return c, nil
		}
	}
	return backend.ContainerStatus{}, fmt.Errorf("service %s: --index %d is out of range: %w (it has %d replicas)", service, index, backend.ErrNoSuchReplica, len(replicas))
}

// Rm removes the named services' stopped replicas (all the services' when
// none are named), side by side, and returns their names; with opts.Stop
// it stops the running ones first, dependents first. The engine removes
// only a container that is not running, so one started since it was
// looked at stays. One-offs of run are not replicas: down removes them.
func (b *Backend) Rm(ctx context.Context, st *stack.Stack, opts backend.RmOptions) ([]string, error) {
	replicas, err := b.replicasOf(ctx, st, opts.Services)
	if err != nil {
		return nil, err
	}
	if !opts.Stop {
		replicas = slices.DeleteFunc(replicas, func(c backend.ContainerStatus) bool {
			return c.State == "running" || c.State == "paused" || c.State == "restarting"
		})
	}
	names := make([]string, len(replicas))
	for i, c := range replicas {
		names[i] = c.Name
	}
	if len(replicas) == 0 {
		return nil, nil
	}
	if opts.Confirm != nil {
		if err := opts.Confirm(names); err != nil {
			return nil, err
		}
	}
	if opts.Stop {
		if err := b.Stop(ctx, st, opts.Services, 0); err != nil {
			return nil, err
		}
	}
	err = walk.Each(replicas, func(c backend.ContainerStatus) error {
		b.report("container "+c.Name, "removing", "")
		if err := b.engine.ContainerRemoveStopped(ctx, c.ID, opts.Volumes); err != nil {
			return fmt.Errorf("service %s: %w", c.Service, err)
		}
		b.report("container "+c.Name, "removed", "")
		if !opts.Volumes {
			return nil
		}
		return b.removeReplicaVolumes(ctx, st, c)
	})
	return names, err
}

// removeReplicaVolumes removes the volumes stackctl named for the unnamed
// ones of replica c (nameUnnamedVolumes): what the engine would have made
// anonymous volumes, which Compose's rm -v removes. Their names hold the
// replica, so no other container mounts them once c is gone.
func (b *Backend) removeReplicaVolumes(ctx context.Context, st *stack.Stack, c backend.ContainerStatus) error {
	list, err := b.engine.VolumeList(ctx, st.ProjectLabels())
	if err != nil {
		return err
	}
	prefix := fmt.Sprintf("%s-%d:", c.Service, c.Replica)
	for _, v := range list {
		if !strings.HasPrefix(v.Labels[LabelUnnamedVolume], prefix) {
			continue
		}
		if err := b.engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		b.report("volume "+v.Name, "removed", "")
	}
	return nil
}

// Wait blocks until every replica of the services has stopped (at once
// for those already stopped), side by side, telling opts.Exited of each as
// it stops, and returns their exits in that order.
func (b *Backend) Wait(ctx context.Context, st *stack.Stack, opts backend.WaitOptions) ([]backend.Exit, error) {
	replicas, err := b.replicasOf(ctx, st, opts.Services)
	if err != nil {
		return nil, err
	}
	if len(replicas) == 0 {
		return nil, fmt.Errorf("services %s have no container: %w; create them with `stackctl up`",
			strings.Join(opts.Services, ", "), backend.ErrNotRunning)
	}
	var (
		mu    sync.Mutex
		exits []backend.Exit
	)
	err = walk.Each(replicas, func(c backend.ContainerStatus) error {
		code, err := b.engine.ContainerWait(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("service %s: %w", c.Service, err)
		}
		exit := backend.Exit{Service: c.Service, Container: c.Name, ExitCode: code}
		mu.Lock()
		defer mu.Unlock()
		exits = append(exits, exit)
		if opts.Exited != nil {
			opts.Exited(exit)
		}
		return nil
	})
	return exits, err
}
