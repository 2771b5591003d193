package orchestrator

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// ContainerStatus is one container of the project as `ps` shows it.
type ContainerStatus struct {
	Service       string       `json:"service"`
	Name          string       `json:"name"`
	ID            string       `json:"id"`
	Replica       int          `json:"replica"`
	State         string       `json:"state"`
	Health        string       `json:"health,omitempty"`
	ExitCode      int          `json:"exit_code"`
	RestartPolicy string       `json:"restart_policy"`
	RestartCount  int          `json:"restart_count"`
	Ports         []stack.Port `json:"ports,omitempty"`
	StartedAt     time.Time    `json:"started_at"`
	Pid           int          `json:"-"`
	// OneOff marks a one-off container of run, none of the replicas.
	OneOff bool `json:"oneoff,omitempty"`
}

// PS lists the project's containers, in the stack's start order.
func (o *Orchestrator) PS(ctx context.Context, st *stack.Stack) ([]ContainerStatus, error) {
	list, err := o.engine.ContainerList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, err
	}
	order := serviceRank(st)
	// One inspect per container, side by side: a stack of forty takes as
	// long as a few.
	found := make([]*ContainerStatus, len(list))
	err = forEachIndex(len(list), func(i int) error {
		c, err := o.engine.ContainerInspect(ctx, list[i].ID)
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
	out := make([]ContainerStatus, 0, len(list))
	for _, c := range found {
		if c != nil {
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b ContainerStatus) int {
		return cmp.Or(cmp.Compare(order(a.Service), order(b.Service)), cmp.Compare(a.Replica, b.Replica), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

func statusOf(c engine.Container) ContainerStatus {
	replica, _ := strconv.Atoi(c.Labels[stack.LabelReplica])
	policy := c.Restart.Name
	if policy == "on-failure" && c.Restart.MaxRetries > 0 {
		policy += ":" + strconv.Itoa(c.Restart.MaxRetries)
	}
	return ContainerStatus{
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

// serviceRank orders services as they start; unknown ones come last.
func serviceRank(st *stack.Stack) func(string) int {
	order, err := st.StartOrder()
	if err != nil {
		order = st.ServiceNames()
	}
	return func(service string) int {
		if i := slices.Index(order, service); i >= 0 {
			return i
		}
		return len(order)
	}
}
