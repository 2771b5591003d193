// Package images makes the images a stack's services run present on an
// engine, for every backend: pulled when missing, built when their build
// context, Dockerfile or a build key that makes another image changed since
// the last build (the digest is a label on the image, see digest.go), so
// an unchanged stack never builds.
package images

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/go-units"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// Engine is what the package asks of the engine.
type Engine interface {
	ImageInspect(ctx context.Context, ref string) (engine.Image, error)
	ImagePull(ctx context.Context, ref string, progress func(string)) error
	ImageBuild(ctx context.Context, spec engine.BuildSpec, progress func(engine.BuildEvent)) (string, error)
	BoundBuildCache(ctx context.Context, keep int64) (uint64, error)
	ImageTag(ctx context.Context, source, target string) error
	ImageRemove(ctx context.Context, ref string) error
}

// Store is an engine's images, as the stacks need them.
type Store struct {
	engine   Engine
	progress progress.Reporter

	mu      sync.Mutex
	noticed map[string]bool // the notices said on the progress stream
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
	// contextIDs are the IDs of the images the build's additional
	// contexts name ("service:NAME"), by context name.
	contextIDs map[string]string
}

// Ensure makes every image of the stack present and returns their IDs
// by reference, and whether it built or pulled any. A built image is
// rebuilt when forced or when what makes it changed since it was built
// (imageDigest, a label on the image), so an unchanged `up` never builds.
func (s *Store) Ensure(ctx context.Context, st *stack.Stack, forceBuild bool) (map[string]string, bool, error) {
	work, index := workOf(st)

	ids := make(map[string]string, len(work))
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		errs    = make([]error, len(work))
		changed atomic.Bool
		built   atomic.Bool // an image was built, whether or not others failed
		// done closes when work[i] is present (or failed): a build
		// whose additional context is a service's image waits for it.
		done = make([]chan struct{}, len(work))
	)
	for i := range work {
		done[i] = make(chan struct{})
	}
	imageOf := map[string]string{}
	for _, svc := range st.Services {
		imageOf[svc.Name] = svc.Image
	}
	after := buildsFirst(st, work, index)
	for i, w := range work {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			for _, j := range after[i] {
				select {
				case <-done[j]:
				case <-ctx.Done():
					errs[i] = ctx.Err()
					return
				}
			}
			if w.build != nil && len(w.build.AdditionalContexts) > 0 {
				b, contextIDs, err := resolveServiceContexts(w, imageOf, func(ref string) (string, error) {
					j, ok := index[ref]
					if !ok {
						return "", nil // not built here: the engine's image as it is
					}
					if j == i {
						return "", fmt.Errorf("it is the image this build makes")
					}
					select {
					case <-done[j]:
					case <-ctx.Done():
						return "", ctx.Err()
					}
					mu.Lock()
					id, ok := ids[ref]
					mu.Unlock()
					if !ok {
						return "", fmt.Errorf("its build failed")
					}
					return id, nil
				})
				if err != nil {
					errs[i] = err
					return
				}
				w.build, w.contextIDs = b, contextIDs
			}
			id, fetched, err := s.ensureImage(ctx, st, w, forceBuild)
			if w.build != nil && (fetched || err != nil) {
				built.Store(true)
			}
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
	if built.Load() {
		s.boundBuildCache(ctx)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	return ids, changed.Load(), nil
}

// workOf is the images st's services need, one each, in the order the
// services first name them, and each one's place by reference. The
// images of pre_start hooks and image volumes come after them.
func workOf(st *stack.Stack) ([]imageWork, map[string]int) {
	var work []imageWork
	index := map[string]int{}
	// need is ref's place in work, made for the first service to name it,
	// with service among those that need it.
	need := func(ref string, build *stack.Build, service string) *imageWork {
		i, seen := index[ref]
		if !seen {
			i = len(work)
			index[ref] = i
			work = append(work, imageWork{ref: ref, build: build})
		}
		if !slices.Contains(work[i].services, service) {
			work[i].services = append(work[i].services, service)
		}
		return &work[i]
	}
	for _, svc := range st.Services {
		if w := need(svc.Image, svc.Build, svc.Name); w.policy == "" {
			w.policy, w.refresh = svc.PullPolicy, svc.PullRefresh
		}
	}
	// The images of pre_start hooks and of volumes of type image are
	// pulled when missing, as Compose pulls them; a service's own image is
	// already there, built or pulled first.
	for _, svc := range st.Services {
		for _, h := range svc.PreStart {
			if h.Image != "" {
				need(h.Image, nil, svc.Name)
			}
		}
		for _, m := range svc.Mounts {
			if m.Type == stack.MountImage {
				need(m.Source, nil, svc.Name)
			}
		}
	}
	return work, index
}

// buildsFirst says, for each build of work, the builds it waits for: those
// of the services its services depend on, as Compose's classic builder
// builds in dependency order, so that a Dockerfile FROM another service's
// image finds it built. The others run side by side. Where services
// sharing an image make the waits circular, no build waits.
func buildsFirst(st *stack.Stack, work []imageWork, index map[string]int) [][]int {
	after := make([][]int, len(work))
	for i, w := range work {
		if w.build == nil {
			continue
		}
		for _, name := range w.services {
			svc, ok := st.Service(name)
			if !ok {
				continue
			}
			for _, d := range svc.DependsOn {
				dep, ok := st.Service(d.Service)
				if !ok {
					continue
				}
				if j := index[dep.Image]; j != i && work[j].build != nil && !slices.Contains(after[i], j) {
					after[i] = append(after[i], j)
				}
			}
		}
	}
	// A wait cycle: 0 unvisited, 1 on the path, 2 done.
	state := make([]int, len(work))
	var cyclic func(int) bool
	cyclic = func(i int) bool {
		state[i] = 1
		for _, j := range after[i] {
			if state[j] == 1 || state[j] == 0 && cyclic(j) {
				return true
			}
		}
		state[i] = 2
		return false
	}
	for i := range work {
		if state[i] == 0 && cyclic(i) {
			return make([][]int, len(work))
		}
	}
	return after
}

// resolveServiceContexts is w's build with each additional context that
// is a service's image ("service:NAME") as the image BuildKit reads,
// docker-image://REF, once wait says that image is present (built first,
// when this run makes it), and the IDs of those images by context name:
// they count in the build's digest, so a new base rebuilds what is built
// on it.
func resolveServiceContexts(w imageWork, imageOf map[string]string,
	wait func(ref string) (string, error)) (*stack.Build, map[string]string, error) {
	b := *w.build
	b.AdditionalContexts = make(map[string]string, len(w.build.AdditionalContexts))
	ids := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(w.build.AdditionalContexts)) {
		value := w.build.AdditionalContexts[name]
		service, ok := strings.CutPrefix(value, stack.ServiceContextPrefix)
		if !ok {
			b.AdditionalContexts[name] = value
			continue
		}
		ref, ok := imageOf[service]
		if !ok {
			return nil, nil, fmt.Errorf("services %s: build.additional_contexts.%s: %s: no such service",
				strings.Join(w.services, ", "), name, value)
		}
		id, err := wait(ref)
		if err != nil {
			return nil, nil, fmt.Errorf("services %s: build.additional_contexts.%s: %s (image %s): %w",
				strings.Join(w.services, ", "), name, value, ref, err)
		}
		b.AdditionalContexts[name] = "docker-image://" + ref
		ids[name] = id
	}
	return &b, ids, nil
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
	b := w.build
	digest, err := imageDigest(b, w.contextIDs)
	if err != nil {
		return "", false, fmt.Errorf("build %s: %w", w.ref, err)
	}
	img, err := s.engine.ImageInspect(ctx, w.ref)
	switch {
	case err == nil && !force && img.Labels[stack.LabelContextHash] == digest:
		return img.ID, false, nil
	case err != nil && !errors.Is(err, engine.ErrNotFound):
		return "", false, err
	}
	s.report(resource, "building", cmp.Or(b.ContextURL, filepath.Clean(b.Context)), "info")
	// The file's labels, then Compose's, then stackctl's own, which it
	// takes the image by.
	labels := map[string]string{}
	maps.Copy(labels, b.Labels)
	maps.Copy(labels, st.ComposeImageLabels(w.services[0]))
	maps.Copy(labels, st.ProjectLabels())
	labels[stack.LabelContextHash] = digest
	var stages engine.BuildStages
	id, err := s.engine.ImageBuild(ctx, buildSpec(w.ref, b, labels), func(e engine.BuildEvent) {
		stages.Event(e)
		switch {
		case e.Notice != "":
			s.noticeOnce(e.Notice)
		case e.Step != nil:
			s.reportStep(resource, *e.Step)
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		s.report(resource, "build failed", "", "error")
		return "", false, fmt.Errorf("service %s (%s): %w", strings.Join(w.services, ", "), dockerfileOf(b), frontendError(b, err))
	}
	s.report(resource, "built", ShortID(id), "info")
	// On BuildKit a build leaves no stage images: this removes the ones
	// earlier builds with the classic builder kept.
	s.keepStages(ctx, w.ref, stages.Images())
	return id, true, nil
}

// boundBuildCache keeps the engine's BuildKit cache within its bound
// (engine.BuildCacheKeep) once builds have added to it. It fails nothing:
// the builds are done; what it could not do goes on the progress stream.
func (s *Store) boundBuildCache(ctx context.Context) {
	keep, on, err := engine.BuildCacheKeep()
	if err != nil {
		s.report("build cache", "not bounded", err.Error(), "error")
		return
	}
	if !on || ctx.Err() != nil {
		return
	}
	freed, err := s.engine.BoundBuildCache(ctx, keep)
	switch {
	case err != nil:
		s.report("build cache", "not bounded", err.Error(), "error")
	case freed > 0:
		s.report("build cache", "pruned", fmt.Sprintf("%s freed, %s kept at most", units.HumanSize(float64(freed)), units.HumanSize(float64(keep))), "info")
	}
}

// reportStep puts a build step on the progress stream: when it starts, and
// when it ends, cached or with its duration.
func (s *Store) reportStep(resource string, step engine.BuildStep) {
	status, level := "building", "info"
	if step.Error != "" {
		status, level = "step failed", "error"
	}
	s.report(resource, status, step.String(), level)
}

// noticeOnce says notice once on the progress stream, however many builds
// meet it.
func (s *Store) noticeOnce(notice string) {
	s.mu.Lock()
	said := s.noticed[notice]
	if s.noticed == nil {
		s.noticed = map[string]bool{}
	}
	s.noticed[notice] = true
	s.mu.Unlock()
	if !said {
		s.report("build", "notice", notice, "info")
	}
}

// dockerfileOf names the Dockerfile of b for an error.
func dockerfileOf(b *stack.Build) string {
	switch {
	case b.DockerfileInline != "":
		return "its inline Dockerfile"
	case b.ContextURL != "":
		return b.Dockerfile + " of " + b.ContextURL
	}
	return dockerfilePath(b)
}

// dockerfilePath is the path of b's Dockerfile in a local context: its
// name relative to the context, or the absolute path it is given.
func dockerfilePath(b *stack.Build) string {
	if filepath.IsAbs(b.Dockerfile) {
		return b.Dockerfile
	}
	return filepath.Join(b.Context, b.Dockerfile)
}

// buildSpec is the engine's build of b, tagged ref.
func buildSpec(ref string, b *stack.Build, labels map[string]string) engine.BuildSpec {
	spec := engine.BuildSpec{
		ContextDir:       b.Context,
		RemoteContext:    b.ContextURL,
		Dockerfile:       b.Dockerfile,
		DockerfileInline: b.DockerfileInline,
		Tag:              ref,
		ExtraTags:        b.Tags,
		Labels:           labels,
		Args:             b.Args,
		Target:           b.Target,
		NoCache:          b.NoCache,
		NoCacheFilter:    b.NoCacheFilter,
		Pull:             b.Pull,
		Network:          b.Network,
		ExtraHosts:       b.ExtraHosts,
		ShmSize:          b.ShmSize,
		Platform:         b.Platform,
		Isolation:        b.Isolation,
		CacheFrom:        b.CacheFrom,
		InlineCache:      b.InlineCache,
		Ulimits:          b.Ulimits,
		Secrets:          b.Secrets,
		SSH:              b.SSH,
		NamedContexts:    b.AdditionalContexts,
		Platforms:        b.Platforms,
		Entitlements:     b.Entitlements,
		Privileged:       b.Privileged,
		Attests:          b.Attests,
	}
	return spec
}

// ShortID is an image or container ID as people read it: 12 hex digits.
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
