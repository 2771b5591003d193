package docker

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// pruneEngine holds images by ID; removing one a container uses is a
// conflict, as on the engine. Nothing else of Engine is called.
type pruneEngine struct {
	Engine
	images  map[string]engine.Image
	inUse   map[string]bool
	removed []string
}

func (p *pruneEngine) ImageInspect(_ context.Context, ref string) (engine.Image, error) {
	img, ok := p.images[ref]
	if !ok {
		return engine.Image{}, fmt.Errorf("inspect image %s: %w", ref, engine.ErrNotFound)
	}
	return img, nil
}

func (p *pruneEngine) ImageRemove(_ context.Context, ref string) error {
	if p.inUse[ref] {
		return fmt.Errorf("remove image %s: in use: %w", ref, engine.ErrConflict)
	}
	p.removed = append(p.removed, ref)
	return nil
}

// The image a rebuild replaced is removed only when it is dangling, this
// project's build, and unused: never another project's, one stackctl did
// not build, or one that keeps a tag.
func TestPruneReplacedImageRemovesOnlyTheProjectsDanglingUnusedBuild(t *testing.T) {
	ours := map[string]string{stack.LabelProject: "p"}
	eng := &pruneEngine{
		images: map[string]engine.Image{
			"dangling":       {ID: "dangling", Labels: ours},
			"tagged":         {ID: "tagged", Labels: ours, RepoTags: []string{"keep:1"}},
			"other project":  {ID: "other project", Labels: map[string]string{stack.LabelProject: "q"}},
			"not stackctl's": {ID: "not stackctl's"},
			"in use":         {ID: "in use", Labels: ours},
		},
		inUse: map[string]bool{"in use": true},
	}
	b := New(eng, nil)
	st := &stack.Stack{Project: "p"}
	for id, want := range map[string]bool{
		"dangling": true, "tagged": false, "other project": false, "not stackctl's": false, "in use": false, "gone": false,
	} {
		removed, err := b.PruneReplacedImage(context.Background(), st, id)
		if err != nil || removed != want {
			t.Errorf("PruneReplacedImage(%s) = %v, %v; want %v, nil", id, removed, err, want)
		}
	}
	if !slices.Equal(eng.removed, []string{"dangling"}) {
		t.Errorf("removed %v, want the dangling image of the project alone", eng.removed)
	}
}
