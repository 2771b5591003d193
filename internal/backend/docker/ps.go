package docker

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// PS lists the project's containers, in the stack's start order.
func (b *Backend) PS(ctx context.Context, st *stack.Stack) ([]orchestrator.ContainerStatus, error) {
	return b.PSKnowing(ctx, st, nil)
}

// PSKnowing is PS for a caller that knows containers the project has, by
// ID (up, which has just converged them): they are inspected while the
// list is made, not after it. The result is PS's all the same: what the
// list holds, each as inspected; a known container the list lacks is left
// out, one it has that was not known is inspected once the list is in.
func (b *Backend) PSKnowing(ctx context.Context, st *stack.Stack, known []string) ([]orchestrator.ContainerStatus, error) {
	// Returning early, the inspections still running are cancelled, then
	// waited for.
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inspections := &inspections{byID: map[string]*inspection{}}
	for _, id := range known {
		inspections.start(ctx, b.engine, &wg, id)
	}
	list, err := b.engine.ContainerList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, err
	}
	// One inspect per container, side by side: a stack of forty takes as
	// long as a few.
	for _, c := range list {
		inspections.start(ctx, b.engine, &wg, c.ID)
	}
	wg.Wait()
	order := st.StartRank()
	out := make([]orchestrator.ContainerStatus, 0, len(list))
	var errs []error
	for _, c := range list {
		in := inspections.byID[c.ID]
		switch {
		case errors.Is(in.err, engine.ErrNotFound):
			// removed while we looked
		case in.err != nil:
			errs = append(errs, in.err)
		default:
			out = append(out, statusOf(in.c))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	slices.SortFunc(out, func(a, b orchestrator.ContainerStatus) int {
		return cmp.Or(cmp.Compare(order(a.Service), order(b.Service)), cmp.Compare(a.Replica, b.Replica), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// inspections are a ps's container inspections, each started once, by ID.
type inspections struct {
	mu   sync.Mutex
	byID map[string]*inspection
}

type inspection struct {
	c   engine.Container
	err error
}

func (s *inspections) start(ctx context.Context, eng Engine, wg *sync.WaitGroup, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[id]; ok || id == "" {
		return
	}
	in := &inspection{}
	s.byID[id] = in
	wg.Add(1)
	go func() {
		defer wg.Done()
		in.c, in.err = eng.ContainerInspect(ctx, id)
		if in.err == nil && isHeld(ctx, eng, in.c) {
			in.c.Status = heldState
		}
	}()
}

// isHeld says a running gated container waits at its gate: ps shows it
// held, not running, as its service's process has not started. One the
// engine finds healthy is not asked (see observeHeld).
func isHeld(ctx context.Context, eng Engine, c engine.Container) bool {
	token := c.Labels[labelGate]
	if token == "" || !c.Running() || c.Health == "healthy" {
		return false
	}
	closed, _ := gateClosed(ctx, eng, c.ID, token)
	return closed
}

func statusOf(c engine.Container) orchestrator.ContainerStatus {
	replica, _ := strconv.Atoi(c.Labels[stack.LabelReplica])
	policy := c.Restart.Name
	if policy == "on-failure" && c.Restart.MaxRetries > 0 {
		policy += ":" + strconv.Itoa(c.Restart.MaxRetries)
	}
	return orchestrator.ContainerStatus{
		Service:       c.Labels[stack.LabelService],
		Name:          c.Name,
		ID:            c.ID,
		Replica:       replica,
		State:         c.Status,
		Health:        c.Health,
		ExitCode:      c.ExitCode,
		RestartPolicy: policy,
		RestartCount:  c.RestartCount,
		Ports:         c.Ports,
		StartedAt:     c.StartedAt,
		Pid:           c.Pid,
		OneOff:        isOneOff(c.Labels),
	}
}
