package images

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/stackctl/stackctl/internal/engine"
)

// fakeEngine keeps images by ID, with their names and whether a container
// uses them, and removes them as the engine does without force: a name of
// an image with other names is only untagged, an image in use or with other
// names (removed by ID) is a conflict.
type fakeEngine struct {
	mu     sync.Mutex
	images map[string]*fakeImage // by full ID
	// builds are the outputs the next builds print, in turn: the classic
	// builder's lines, ending with the built image's ID.
	builds  [][]string
	removed []string // IDs, in order
	// events are what every build reports first; failWith, when set,
	// fails the build after them.
	events   []engine.BuildEvent
	failWith error
	bounded  int // calls of BoundBuildCache
}

type fakeImage struct {
	tags  []string
	inUse bool
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{images: map[string]*fakeImage{}}
}

// add makes an image (a base image, or one someone else made).
func (f *fakeEngine) add(id string, tags ...string) {
	f.images[fullID(id)] = &fakeImage{tags: tags}
}

func fullID(short string) string {
	return "sha256:" + short + strings.Repeat("0", 64-len(short))
}

// resolve finds the image a name or an ID (short or full) stands for.
func (f *fakeEngine) resolve(ref string) (string, *fakeImage) {
	for id, img := range f.images {
		if slices.Contains(img.tags, ref) || sameImage(id, ref) {
			return id, img
		}
	}
	return "", nil
}

func (f *fakeEngine) ImageInspect(_ context.Context, ref string) (engine.Image, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, img := f.resolve(ref)
	if img == nil {
		return engine.Image{}, fmt.Errorf("inspect image %s: %w", ref, engine.ErrNotFound)
	}
	return engine.Image{ID: id, RepoTags: slices.Clone(img.tags)}, nil
}

func (f *fakeEngine) ImagePull(context.Context, string, func(string)) error {
	return fmt.Errorf("no registry")
}

// ImageBuild prints the next build's lines, makes the images they name and
// tags the last one spec.Tag.
func (f *fakeEngine) ImageBuild(_ context.Context, spec engine.BuildSpec, progress func(engine.BuildEvent)) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.events {
		progress(e)
	}
	if f.failWith != nil {
		return "", f.failWith
	}
	lines := f.builds[0]
	f.builds = f.builds[1:]
	var last string
	for _, line := range lines {
		progress(engine.BuildEvent{Line: line})
		if id, ok := strings.CutPrefix(line, " ---> "); ok && len(id) == 12 {
			if _, img := f.resolve(id); img == nil {
				f.images[fullID(id)] = &fakeImage{}
			}
			last = id
		}
	}
	for _, img := range f.images {
		img.tags = slices.DeleteFunc(img.tags, func(t string) bool { return t == spec.Tag })
	}
	_, img := f.resolve(last)
	img.tags = append(img.tags, spec.Tag)
	return fullID(last), nil
}

func (f *fakeEngine) ImageTag(_ context.Context, source, target string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, img := f.resolve(source)
	if img == nil {
		return fmt.Errorf("tag image %s: %w", source, engine.ErrNotFound)
	}
	for _, other := range f.images {
		other.tags = slices.DeleteFunc(other.tags, func(t string) bool { return t == target })
	}
	img.tags = append(img.tags, target)
	return nil
}

func (f *fakeEngine) ImageRemove(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, img := f.resolve(ref)
	if img == nil {
		return fmt.Errorf("remove image %s: %w", ref, engine.ErrNotFound)
	}
	byName := slices.Contains(img.tags, ref)
	switch {
	case byName && len(img.tags) > 1:
		img.tags = slices.DeleteFunc(img.tags, func(t string) bool { return t == ref })
		return nil
	case !byName && len(img.tags) > 1:
		return fmt.Errorf("remove image %s: %w: referenced in multiple repositories", ref, engine.ErrConflict)
	case img.inUse:
		return fmt.Errorf("remove image %s: %w: image is being used by a container", ref, engine.ErrConflict)
	}
	delete(f.images, id)
	f.removed = append(f.removed, id)
	return nil
}

// tags are every image's names, by short ID.
func (f *fakeEngine) tags() map[string][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]string{}
	for id, img := range f.images {
		out[strings.TrimPrefix(id, "sha256:")[:12]] = slices.Sorted(slices.Values(img.tags))
	}
	return out
}

func (f *fakeEngine) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.images))
}

// BoundBuildCache counts the calls: the fake has no build cache.
func (f *fakeEngine) BoundBuildCache(context.Context, int64) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bounded++
	return 0, nil
}
