// Package images makes the images a stack's services run present on an
// engine, for every backend: pulled when missing, built when their build
// context, arguments or target changed since the last build (the digest is
// a label on the image), so an unchanged stack never builds.
package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// Engine is what the package asks of the engine.
type Engine interface {
	ImageInspect(ctx context.Context, ref string) (engine.Image, error)
	ImagePull(ctx context.Context, ref string, progress func(string)) error
	ImageBuild(ctx context.Context, spec engine.BuildSpec, progress func(string)) (string, error)
	ImageTag(ctx context.Context, source, target string) error
	ImageRemove(ctx context.Context, ref string) error
}

// Store is an engine's images, as the stacks need them.
type Store struct {
	engine   Engine
	progress progress.Reporter
}

// New returns eng's images, reporting to reporter (nil: nowhere).
func New(eng Engine, reporter progress.Reporter) *Store {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	return &Store{engine: eng, progress: reporter}
}

func (s *Store) report(resource, status, detail, level string) {
	s.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: level})
}

// imageWork is one image the stack needs, with the services that use it.
type imageWork struct {
	ref      string
	build    *stack.Build
	services []string
	// policy and refresh are the pull_policy of the first service that
	// sets one (see stack.Service.PullPolicy).
	policy  string
	refresh time.Duration
}

// Ensure makes every image of the stack present and returns their IDs
// by reference, and whether it built or pulled any. A built image is rebuilt when forced or when its build
// context changed since it was built (the context digest is a label on the
// image), so an unchanged `up` never builds.
func (s *Store) Ensure(ctx context.Context, st *stack.Stack, forceBuild bool) (map[string]string, bool, error) {
	var work []imageWork
	index := map[string]int{}
	for _, svc := range st.Services {
		i, seen := index[svc.Image]
		if !seen {
			i = len(work)
			index[svc.Image] = i
			work = append(work, imageWork{ref: svc.Image, build: svc.Build})
		}
		work[i].services = append(work[i].services, svc.Name)
		if work[i].policy == "" {
			work[i].policy, work[i].refresh = svc.PullPolicy, svc.PullRefresh
		}
	}

	ids := make(map[string]string, len(work))
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		errs    = make([]error, len(work))
		changed atomic.Bool
	)
	for i, w := range work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, fetched, err := s.ensureImage(ctx, st, w, forceBuild)
			if err != nil {
				errs[i] = err
				return
			}
			if fetched {
				changed.Store(true)
			}
			mu.Lock()
			ids[w.ref] = id
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	return ids, changed.Load(), nil
}

// ensureImage returns the image's ID, and whether it had to build or pull it.
func (s *Store) ensureImage(ctx context.Context, st *stack.Stack, w imageWork, forceBuild bool) (string, bool, error) {
	resource := "image " + w.ref
	if w.build != nil {
		return s.buildIfStale(ctx, st, w, forceBuild || w.policy == stack.PullBuild)
	}
	img, err := s.engine.ImageInspect(ctx, w.ref)
	if err != nil && !errors.Is(err, engine.ErrNotFound) {
		return "", false, err
	}
	pull, err := mustPull(w, err == nil, img, time.Now())
	if err != nil {
		return "", false, err
	}
	if !pull {
		return img.ID, false, nil
	}
	s.report(resource, "pulling", "", "info")
	if err := s.engine.ImagePull(ctx, w.ref, func(line string) { s.report(resource, "pulling", line, "info") }); err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		s.report(resource, "missing", err.Error(), "error")
		if w.policy != "" {
			err = fmt.Errorf("services %s: pull_policy %s: %w", strings.Join(w.services, ", "), w.policy, err)
		}
		return "", false, &backend.ImageMissingError{Ref: w.ref, Err: err}
	}
	img, err = s.engine.ImageInspect(ctx, w.ref)
	if err != nil {
		return "", false, err
	}
	s.report(resource, "pulled", "", "info")
	return img.ID, true, nil
}

func (s *Store) buildIfStale(ctx context.Context, st *stack.Stack, w imageWork, force bool) (string, bool, error) {
	resource := "image " + w.ref
	digest, err := engine.ContextDigest(w.build.Context, w.build.Dockerfile)
	if err != nil {
		return "", false, fmt.Errorf("build %s: %w", w.ref, err)
	}
	digest = buildDigest(digest, w.build)
	img, err := s.engine.ImageInspect(ctx, w.ref)
	switch {
	case err == nil && !force && img.Labels[stack.LabelContextHash] == digest:
		return img.ID, false, nil
	case err != nil && !errors.Is(err, engine.ErrNotFound):
		return "", false, err
	}
	s.report(resource, "building", filepath.Clean(w.build.Context), "info")
	labels := st.ProjectLabels()
	labels[stack.LabelContextHash] = digest
	var stages engine.BuildStages
	id, err := s.engine.ImageBuild(ctx, engine.BuildSpec{
		ContextDir: w.build.Context,
		Dockerfile: w.build.Dockerfile,
		Tag:        w.ref,
		Labels:     labels,
		Args:       w.build.Args,
		Target:     w.build.Target,
	}, func(line string) {
		stages.Line(line)
		if strings.HasPrefix(line, "Step ") {
			s.report(resource, "building", line, "info")
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		s.report(resource, "build failed", "", "error")
		return "", false, fmt.Errorf("service %s: %w", strings.Join(w.services, ", "), err)
	}
	s.report(resource, "built", ShortID(id), "info")
	s.keepStages(ctx, w.ref, stages.Images())
	return id, true, nil
}

// ShortID is an image or container ID as people read it: 12 hex digits.
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// buildDigest adds the build's arguments and target to its context's
// digest: changing either makes another image.
func buildDigest(contextDigest string, b *stack.Build) string {
	if len(b.Args) == 0 && b.Target == "" {
		return contextDigest
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\ntarget=%s\n", contextDigest, b.Target)
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		fmt.Fprintf(h, "arg %s=%s\n", k, b.Args[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
