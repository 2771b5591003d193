package docker

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// disposable says that nothing the container writes outlives a down -v:
// it writes to at least one volume, and every volume it writes to is one
// down -v deletes (its own filesystem goes with it); it has no writable
// host path. Such a container holds data, and once the services that
// depend on it have stopped, a clean shutdown would only tidy that data
// before it is deleted: down -v removes it at once (SIGKILL), which saves
// its whole shutdown. A container without volumes (web) may finish work
// elsewhere on its stop signal, and is stopped as always, as is one with
// pre_stop hooks.
func disposable(st *stack.Stack, c engine.ContainerSummary) bool {
	svc, ok := st.Service(c.Labels[stack.LabelService])
	if !ok || len(svc.PreStop) > 0 {
		return false // its pre_stop hooks run before it stops
	}
	replica, err := strconv.Atoi(c.Labels[stack.LabelReplica])
	if err != nil {
		return false
	}
	holdsData := false
	for _, m := range c.Mounts {
		switch {
		case !m.Writable || m.Type == "tmpfs":
		case m.Type == "volume" && deletedByDown(st, svc, replica, m):
			holdsData = true
		default:
			return false
		}
	}
	return holdsData
}

// deletedByDown says down -v deletes the volume m mounts: one of the
// stack's own named volumes, or the one stackctl named for an unnamed
// volume of this replica.
func deletedByDown(st *stack.Stack, svc *stack.Service, replica int, m engine.MountPoint) bool {
	if m.Volume == unnamedVolumeName(st, svc, replica, m.Destination) {
		return true
	}
	return slices.ContainsFunc(st.Volumes, func(v stack.Volume) bool { return !v.External && v.Name == m.Volume })
}

// removeDisposable removes the disposable containers at once, in parallel,
// and returns the others, to be stopped.
func (b *Backend) removeDisposable(ctx context.Context, st *stack.Stack, containers []engine.ContainerSummary) ([]engine.ContainerSummary, error) {
	var gone, rest []engine.ContainerSummary
	for _, c := range containers {
		if disposable(st, c) && c.State == "running" {
			gone = append(gone, c)
		} else {
			rest = append(rest, c)
		}
	}
	return rest, walk.Each(gone, func(c engine.ContainerSummary) error {
		b.report("container "+c.Name, "removing", "without a clean stop: its data is deleted with it")
		if err := b.engine.ContainerRemove(ctx, c.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return err
		}
		b.report("container "+c.Name, "removed", "")
		return nil
	})
}
