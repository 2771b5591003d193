package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// ErrNotOnSwarm says a verb works on one Docker engine and not (yet) on a
// swarm, whose tasks run on nodes stackctl does not reach.
var ErrNotOnSwarm = errors.New("not available with --swarm")

// Deployed says how many replicas each of the project's services runs,
// and which run behind their edge.
func (b *Backend) Deployed(ctx context.Context, project string) (stack.Deployment, error) {
	services, err := b.engine.ServiceList(ctx, map[string]string{stack.LabelProject: project})
	if err != nil {
		return stack.Deployment{}, err
	}
	d := stack.Deployment{Replicas: map[string]int{}, Edges: map[string]bool{}}
	for _, s := range services {
		if r := s.Spec.Mode.Replicated; r != nil && r.Replicas != nil {
			d.Replicas[s.Labels[stack.LabelService]] = int(*r.Replicas)
		}
		if target := s.Labels[stack.LabelBalances]; target != "" {
			d.Edges[target] = true
		}
	}
	return d, nil
}

// Restart makes the swarm replace the named services' tasks (all the
// services' when none is named), as an update with the same spec: in the
// service's update order, so a start-first service keeps serving.
func (b *Backend) Restart(ctx context.Context, st *stack.Stack, services []string, _, waitTimeout time.Duration) error {
	names, err := backend.SelectServices(st, services)
	if err != nil {
		return err
	}
	if waitTimeout <= 0 {
		waitTimeout = backend.DefaultWaitTimeout
	}
	return walk.Forward(ctx, st, nil, func(ctx context.Context, svc *stack.Service, _ walk.Started) error {
		if !slices.Contains(names, svc.Name) {
			return nil
		}
		s, err := b.engine.ServiceInspect(ctx, ServiceName(st.Project, svc.Name))
		if errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("restart service %s: not deployed: run up first", svc.Name)
		}
		if err != nil {
			return err
		}
		spec := s.Spec
		spec.TaskTemplate.ForceUpdate++
		if cs := spec.TaskTemplate.ContainerSpec; cs != nil && cs.Labels != nil {
			cs.Labels[labelRevision] = revisionOf(spec)
		}
		b.report("service "+s.Name, "restarting", "")
		if _, err := b.engine.ServiceUpdate(ctx, s.ID, s.Version, spec); err != nil {
			return err
		}
		return b.awaitService(ctx, st, svc, s.ID, waitTimeout)
	})
}

// Stop is refused: a swarm service has no stopped state to keep; scale it
// to 0 instead.
func (b *Backend) Stop(context.Context, *stack.Stack, []string, time.Duration) error {
	return fmt.Errorf("stop: %w: a swarm service cannot be stopped and kept; scale it to 0 (stackctl --swarm scale SERVICE=0) or take the stack down", ErrNotOnSwarm)
}

// Start is refused, as Stop is.
func (b *Backend) Start(context.Context, *stack.Stack, []string, time.Duration) error {
	return fmt.Errorf("start: %w: a swarm keeps its services running; scale a service back up, or run up", ErrNotOnSwarm)
}

// Signal is refused: it is one engine's manual stop, which a swarm service
// has no use for; kill without --signal crashes a task.
func (b *Backend) Signal(context.Context, *stack.Stack, string, string, string) (string, error) {
	return "", fmt.Errorf("kill -s: %w: `stackctl --swarm kill SERVICE` crashes a task and times its replacement", ErrNotOnSwarm)
}

// Exec is refused until it reaches the engines of the tasks' nodes.
func (b *Backend) Exec(context.Context, *stack.Stack, backend.ExecOptions) (int, error) {
	return 0, fmt.Errorf("exec: %w: the task's container runs on a node whose engine stackctl does not reach", ErrNotOnSwarm)
}

// Run is refused: a one-off belongs on one engine.
func (b *Backend) Run(context.Context, *stack.Stack, backend.RunOptions) (backend.RunResult, error) {
	return backend.RunResult{}, fmt.Errorf("run: %w: run the one-off against a node's engine (without --swarm)", ErrNotOnSwarm)
}

// List is refused: Compose's projects are found by the Compose labels of
// one engine's containers, and a swarm's tasks carry none (the swarm, not
// a compose tool, manages them).
func (b *Backend) List(context.Context, backend.ListOptions) ([]backend.ProjectSummary, error) {
	return nil, fmt.Errorf("ls: %w: it lists the Compose projects of one engine's containers; run it without --swarm, or list the swarm's services with `docker service ls`", ErrNotOnSwarm)
}

// Pause is refused: a swarm has no paused state for a service's tasks;
// scale it to 0 instead.
func (b *Backend) Pause(context.Context, *stack.Stack, []string) error {
	return fmt.Errorf("pause: %w: a swarm service's tasks cannot be paused; scale it to 0 (stackctl --swarm scale SERVICE=0)", ErrNotOnSwarm)
}

// Unpause is refused, as Pause is.
func (b *Backend) Unpause(context.Context, *stack.Stack, []string) error {
	return fmt.Errorf("unpause: %w: a swarm service's tasks are never paused; scale it back up", ErrNotOnSwarm)
}

// Top is refused until it reaches the engines of the tasks' nodes.
func (b *Backend) Top(context.Context, *stack.Stack, []string) ([]backend.Processes, error) {
	return nil, fmt.Errorf("top: %w: the tasks' containers run on nodes whose engines stackctl does not reach", ErrNotOnSwarm)
}

// Port is refused: a swarm publishes a service's ports on every node's
// ingress, and `stackctl --swarm ps` shows them.
func (b *Backend) Port(context.Context, *stack.Stack, backend.PortOptions) (string, error) {
	return "", fmt.Errorf("port: %w: a swarm publishes the service's ports on every node, as `stackctl --swarm ps` shows", ErrNotOnSwarm)
}

// Rm is refused: a swarm removes its services' stopped tasks itself.
func (b *Backend) Rm(context.Context, *stack.Stack, backend.RmOptions) ([]string, error) {
	return nil, fmt.Errorf("rm: %w: a swarm keeps and prunes its services' tasks itself; scale a service to 0, or take the stack down", ErrNotOnSwarm)
}

// Wait is refused: a swarm replaces a service's stopped tasks, so they
// never all stop.
func (b *Backend) Wait(context.Context, *stack.Stack, backend.WaitOptions) ([]backend.Exit, error) {
	return nil, fmt.Errorf("wait: %w: a swarm replaces a service's stopped tasks; follow them with `stackctl --swarm ps`", ErrNotOnSwarm)
}

// Copy is refused: the tasks' containers run on nodes whose engines
// stackctl does not reach.
func (b *Backend) Copy(context.Context, *stack.Stack, backend.CopyOptions) error {
	return fmt.Errorf("cp: %w: the tasks' containers run on nodes whose engines stackctl does not reach; use docker cp on the node", ErrNotOnSwarm)
}
