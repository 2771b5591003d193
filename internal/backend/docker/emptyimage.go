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

// ensureEmptyImage creates the empty image when the engine lacks it. The
// containers of one run ask for it side by side; they take turns, so the
// first makes it and the others find it. Runs side by side may both make it:
// ImageCreate makes the same image to the byte, so they make one image.
func (b *Backend) ensureEmptyImage(ctx context.Context) error {
	b.emptyImage.Lock()
	defer b.emptyImage.Unlock()
	_, err := b.engine.ImageInspect(ctx, emptyImage)
	if !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return b.engine.ImageCreate(ctx, emptyImage, nil, map[string]string{labelEmpty: "image"}, []string{"never-started"})
}
