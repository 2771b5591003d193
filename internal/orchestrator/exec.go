package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// ErrNotRunning: the service has no running container to act in.
var ErrNotRunning = errors.New("not running")

// ErrNoSuchReplica: the replica asked for is not one the service has.
var ErrNoSuchReplica = errors.New("no such replica")

// ExecOptions say what Exec runs, where, and how.
type ExecOptions struct {
	Service string
	// Index is the replica to run in (1-based); 0 is the first running one.
	Index int
	// Cmd is the command and its arguments.
	Cmd        []string
	User       string
	WorkingDir string
	// Env is added to the container's environment, KEY=VALUE.
	Env   []string
	Stdio engine.Stdio
}

// Exec runs a command in a running container of a service, its streams
// connected to opts.Stdio, and returns the command's exit code.
func (o *Orchestrator) Exec(ctx context.Context, st *stack.Stack, opts ExecOptions) (int, error) {
	if len(opts.Cmd) == 0 {
		return 0, errors.New("exec: no command given")
	}
	c, err := o.runningReplica(ctx, st, opts.Service, opts.Index)
	if err != nil {
		return 0, err
	}
	spec := engine.ExecSpec{Cmd: opts.Cmd, User: opts.User, WorkingDir: opts.WorkingDir, Env: opts.Env}
	return o.engine.ExecAttached(ctx, c.Name, spec, opts.Stdio)
}

// runningReplica is the running container of service's replica index, or
// with index 0 its lowest-numbered running replica. One-off containers of
// run are never chosen.
func (o *Orchestrator) runningReplica(ctx context.Context, st *stack.Stack, service string, index int) (ContainerStatus, error) {
	if _, ok := st.Service(service); !ok {
		return ContainerStatus{}, fmt.Errorf("%w %q (the stack has: %s)", ErrUnknownService, service, strings.Join(st.ServiceNames(), ", "))
	}
	if index < 0 {
		return ContainerStatus{}, fmt.Errorf("service %s: --index %d is out of range: %w (replicas count from 1)", service, index, ErrNoSuchReplica)
	}
	all, err := o.PS(ctx, st)
	if err != nil {
		return ContainerStatus{}, err
	}
	var replicas []ContainerStatus // PS orders them by replica number
	for _, c := range all {
		if c.Service == service && !c.OneOff {
			replicas = append(replicas, c)
		}
	}
	if len(replicas) == 0 {
		return ContainerStatus{}, fmt.Errorf("service %s is %w: it has no container; start the stack with `stackctl up`", service, ErrNotRunning)
	}
	if index > 0 {
		for _, c := range replicas {
			if c.Replica != index {
				continue
			}
			if c.State != "running" {
				return ContainerStatus{}, fmt.Errorf("service %s: replica %d (container %s) is %s, %w; start it with `stackctl up`",
					service, index, c.Name, c.State, ErrNotRunning)
			}
			return c, nil
		}
		numbers := make([]string, len(replicas))
		for i, c := range replicas {
			numbers[i] = fmt.Sprint(c.Replica)
		}
		return ContainerStatus{}, fmt.Errorf("service %s: --index %d is out of range: %w (its replicas: %s)",
			service, index, ErrNoSuchReplica, strings.Join(numbers, ", "))
	}
	for _, c := range replicas {
		if c.State == "running" {
			return c, nil
		}
	}
	return ContainerStatus{}, fmt.Errorf("service %s is %w (container %s is %s); start it with `stackctl up`",
		service, ErrNotRunning, replicas[0].Name, replicas[0].State)
}
