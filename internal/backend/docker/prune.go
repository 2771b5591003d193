package docker

import (
	"context"
	"errors"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// PruneReplacedImage removes the image a rebuild replaced. It leaves any
// image that still has a tag (another name holds it), that stackctl did
// not build for this project (its label says whose it is), or that a
// container still uses (the engine refuses, and it is kept).
func (b *Backend) PruneReplacedImage(ctx context.Context, st *stack.Stack, id string) (bool, error) {
	img, err := b.engine.ImageInspect(ctx, id)
	if errors.Is(err, engine.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(img.RepoTags) > 0 || img.Labels[stack.LabelProject] != st.ProjectName() {
		return false, nil
	}
	err = b.engine.ImageRemove(ctx, id)
	if errors.Is(err, engine.ErrConflict) || errors.Is(err, engine.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
