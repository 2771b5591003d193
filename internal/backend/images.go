package backend

import (
	"context"

	"github.com/stackctl/stackctl/internal/stack"
)

// ImageStatus is the image one service runs.
type ImageStatus struct {
	Service string `json:"service"`
	Image   string `json:"image"`
	// ID is empty when the image is not on the engine.
	ID    string `json:"id"`
	Built bool   `json:"built"`
}

// ReplacedImagePruner is a backend that removes the image a rebuild left
// behind, as Compose's watch does, so that each edit does not leave one
// more image on the engine.
type ReplacedImagePruner interface {
	// PruneReplacedImage removes image id only when it is dangling (the
	// rebuild took its tag), stackctl built it for the project, and no
	// container uses it; it says whether it removed it.
	PruneReplacedImage(ctx context.Context, st *stack.Stack, id string) (bool, error)
}
