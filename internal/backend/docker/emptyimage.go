package docker

import (
	"context"
	"errors"

	"github.com/stackctl/stackctl/internal/engine"
)

// emptyImage is an image of no files that stackctl makes on an engine once:
// containers that are created and never started (the writers of secrets)
// are made from it, so no image of the user's is needed.
const (
	emptyImage = "stackctl/empty:1"
	labelEmpty = "io.stackctl.empty"
)

// ensureEmptyImage creates the empty image when the engine lacks it.
func (b *Backend) ensureEmptyImage(ctx context.Context) error {
	_, err := b.engine.ImageInspect(ctx, emptyImage)
	if !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return b.engine.ImageCreate(ctx, emptyImage, nil, map[string]string{labelEmpty: "image"}, []string{"never-started"})
}
