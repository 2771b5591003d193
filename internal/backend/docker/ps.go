package docker

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// PS lists the project's containers, in the stack's start order.
func (b *Backend) PS(ctx context.Context, st *stack.Stack) ([]orchestrator.ContainerStatus, error) {
	list, err := b.engine.ContainerList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, err
	}
	order := st.StartRank()
	// One inspect per container, side by side: a stack of forty takes as
	// long as a few.
	found := make([]*orchestrator.ContainerStatus, len(list))
	err = forEachIndex(len(list), func(i int) error {
		c, err := b.engine.ContainerInspect(ctx, list[i].ID)
		if errors.Is(err, engine.ErrNotFound) {
			return nil // removed while we looked
		}
		if err != nil {
			return err
		}
		status := statusOf(c)
		found[i] = &status
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]orchestrator.ContainerStatus, 0, len(list))
	for _, c := range found {
		if c != nil {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b orchestrator.ContainerStatus) int {
		return cmp.Or(cmp.Compare(order(a.Service), order(b.Service)), cmp.Compare(a.Replica, b.Replica), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
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
