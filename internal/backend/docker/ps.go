package docker

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// PS lists the project's containers, in the stack's start order, each
// as inspected (side by side); those Docker Compose made of the project
// too, by Compose's labels.
func (b *Backend) PS(ctx context.Context, st *stack.Stack) ([]backend.ContainerStatus, error) {
	list, err := b.projectContainers(ctx, st)
	if err != nil {
		return nil, err
	}
	inspected := make([]engine.Container, len(list))
	found := make([]bool, len(list))
	err = walk.Each(indices(list), func(i int) error {
		c, err := b.engine.ContainerInspect(ctx, list[i].ID)
		if errors.Is(err, engine.ErrNotFound) {
			return nil // removed while we looked
		}
		inspected[i], found[i] = c, err == nil
		return err
	})
	if err != nil {
		return nil, err
	}
	order := st.StartRank()
	out := make([]backend.ContainerStatus, 0, len(list))
	for i, c := range inspected {
		if found[i] {
			out = append(out, statusOf(list[i], c))
		}
	}
	slices.SortFunc(out, func(a, b backend.ContainerStatus) int {
		return cmp.Or(cmp.Compare(order(a.Service), order(b.Service)), cmp.Compare(a.Replica, b.Replica), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// statusOf is the container as listed (s) and as inspected (c).
func statusOf(s engine.ContainerSummary, c engine.Container) backend.ContainerStatus {
	replica, _ := strconv.Atoi(cmp.Or(c.Labels[stack.LabelReplica], c.Labels[stack.LabelComposeNumber]))
	policy := c.Restart.Name
	if policy == "on-failure" && c.Restart.MaxRetries > 0 {
		policy += ":" + strconv.Itoa(c.Restart.MaxRetries)
	}
	return backend.ContainerStatus{
		Service:       serviceLabel(c.Labels),
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
		Image:         s.Image,
		Command:       s.Command,
		Created:       s.Created,
		StatusText:    s.Status,
		Names:         s.Names,
		Labels:        c.Labels,
		Mounts:        mountSummaries(s.Mounts),
		Networks:      s.Networks,
		Exposed:       s.Ports,
	}
}

func mountSummaries(mounts []engine.MountPoint) []backend.MountSummary {
	out := make([]backend.MountSummary, len(mounts))
	for i, m := range mounts {
		out[i] = backend.MountSummary{Name: m.Volume, Source: m.Source, Driver: m.Driver}
	}
	return out
}
