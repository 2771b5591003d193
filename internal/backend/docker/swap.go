package docker

import (
	"context"
	"errors"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
)

// swap replaces a container by a new one under the same name. The old one
// is parked under another name first, so the new one can be created (and,
// start-first, started) while the old one still runs; until the swap is
// finished it can be undone, and the old one is back as it was.
type swap struct {
	r      *dockerRun
	name   string
	old    backend.Instance
	parked string
	// newID is the new container's, once created.
	newID string
}

// park renames the old container of step s out of the way of its name.
func (r *dockerRun) park(ctx context.Context, s backend.Step) (*swap, error) {
	w := &swap{r: r, name: s.Name, old: *s.Current, parked: s.Name + "-" + images.ShortID(s.Current.ID)}
	if err := r.b.engine.ContainerRename(ctx, w.old.ID, w.parked); err != nil {
		return nil, err
	}
	return w, nil
}

// create creates the new container under the name.
func (w *swap) create(ctx context.Context, plan backend.ServicePlan, s backend.Step) error {
	id, err := w.r.create(ctx, plan, s)
	w.newID = id
	return err
}

// undo removes the new container and puts the old one back under its
// name, running again if it ran before. It runs even when ctx is done.
func (w *swap) undo(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	if w.newID != "" {
		if err := w.r.b.engine.ContainerRemove(ctx, w.newID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			errs = append(errs, err)
		}
		w.newID = ""
	}
	errs = append(errs, w.r.b.engine.ContainerRename(ctx, w.old.ID, w.name))
	if w.old.State == "running" {
		errs = append(errs, w.r.b.engine.ContainerStart(ctx, w.old.ID))
	}
	return errors.Join(errs...)
}

// finish removes the old container: the swap can no longer be undone.
func (w *swap) finish(ctx context.Context) error {
	remove := w.r.b.engine.ContainerRemove
	if w.old.MadeBy != "" {
		// Its anonymous volumes would be left to no one: stackctl's
		// container mounts volumes named for the replica instead.
		remove = func(ctx context.Context, id string) error { return w.r.b.engine.ContainerRemoveStopped(ctx, id, true) }
	}
	if err := remove(ctx, w.old.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	w.r.b.report("container "+w.parked, "removed", "replaced by a new "+w.name)
	return nil
}
