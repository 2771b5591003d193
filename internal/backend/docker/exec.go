package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Exec runs a command in a running container of a service, its streams
// connected to opts.Stdio, and returns the command's exit code.
func (b *Backend) Exec(ctx context.Context, st *stack.Stack, opts backend.ExecOptions) (int, error) {
	if len(opts.Cmd) == 0 {
		return 0, errors.New("exec: no command given")
	}
	c, err := b.runningReplica(ctx, st, opts.Service, opts.Index)
	if err != nil {
		return 0, err
	}
	spec := engine.ExecSpec{Cmd: opts.Cmd, User: opts.User, WorkingDir: opts.WorkingDir, Env: opts.Env}
	return b.engine.ExecAttached(ctx, c.Name, spec, opts.Stdio)
}

// runningReplica is the running container of service's replica index, or
// with index 0 its lowest-numbered running replica. One-off containers of
// run are never chosen.
func (b *Backend) runningReplica(ctx context.Context, st *stack.Stack, service string, index int) (backend.ContainerStatus, error) {
	if _, ok := st.Service(service); !ok {
		return backend.ContainerStatus{}, backend.UnknownService(st, service)
	}
	if index < 0 {
		return backend.ContainerStatus{}, fmt.Errorf("service %s: --index %d is out of range: %w (replicas count from 1)", service, index, backend.ErrNoSuchReplica)
	}
	all, err := b.PS(ctx, st)
	if err != nil {
		return backend.ContainerStatus{}, err
	}
	var replicas []backend.ContainerStatus // PS orders them by replica number
	for _, c := range all {
		if c.Service == service && !c.OneOff {
			replicas = append(replicas, c)
		}
	}
	if len(replicas) == 0 {
		return backend.ContainerStatus{}, fmt.Errorf("service %s is %w: it has no container; start the stack with `stackctl up`", service, backend.ErrNotRunning)
	}
	if index > 0 {
		for _, c := range replicas {
			if c.Replica != index {
				continue
			}
			if c.State != "running" {
				return backend.ContainerStatus{}, fmt.Errorf("service %s: replica %d (container %s) is %s, %w; start it with `stackctl up`",
					service, index, c.Name, c.State, backend.ErrNotRunning)
			}
			return c, nil
		}
		numbers := make([]string, len(replicas))
		for i, c := range replicas {
			numbers[i] = fmt.Sprint(c.Replica)
		}
		return backend.ContainerStatus{}, fmt.Errorf("service %s: --index %d is out of range: %w (its replicas: %s)",
			service, index, backend.ErrNoSuchReplica, strings.Join(numbers, ", "))
	}
	for _, c := range replicas {
		if c.State == "running" {
			return c, nil
		}
	}
	return backend.ContainerStatus{}, fmt.Errorf("service %s is %w (container %s is %s); start it with `stackctl up`",
		service, backend.ErrNotRunning, replicas[0].Name, replicas[0].State)
}
