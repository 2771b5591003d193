package images

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/distribution/reference"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// Pusher pushes an image to the registry its reference names.
type Pusher interface {
	ImagePush(ctx context.Context, ref string, progress func(string)) (string, error)
}

// Pull pulls the named services' images (all when none) from the
// registries their references name, each image once, side by side, as
// Compose's pull does; an image that fails is named with the registry it
// was pulled from.
func (s *Store) Pull(ctx context.Context, st *stack.Stack, opts backend.PullOptions) error {
	refs, err := imagesOf(st, opts.Services, opts.IncludeDeps, opts.IgnoreBuildable)
	if err != nil {
		return err
	}
	if opts.Missing {
		refs = slices.DeleteFunc(refs, func(ref string) bool {
			_, err := s.engine.ImageInspect(ctx, ref)
			return err == nil
		})
	}
	return s.transfer(ctx, refs, "pulling", "pulled", opts.Quiet, opts.IgnoreFailures, func(ctx context.Context, ref string, progress func(string)) error {
		return s.engine.ImagePull(ctx, ref, progress)
	})
}

// Push pushes the named services' images (all when none) to the
// registries their references name, through p; services with no build
// section are left out, as Compose leaves them.
func (s *Store) Push(ctx context.Context, p Pusher, st *stack.Stack, opts backend.PushOptions) error {
	refs, err := imagesOf(st, opts.Services, opts.IncludeDeps, false)
	if err != nil {
		return err
	}
	refs = slices.DeleteFunc(refs, func(ref string) bool {
		return !slices.ContainsFunc(st.Services, func(svc stack.Service) bool { return svc.Image == ref && svc.Build != nil })
	})
	return s.transfer(ctx, refs, "pushing", "pushed", opts.Quiet, opts.IgnoreFailures, func(ctx context.Context, ref string, progress func(string)) error {
		_, err := p.ImagePush(ctx, ref, progress)
		return err
	})
}

// imagesOf are the distinct images of the named services (all when none)
// and with deps of the services they depend on, in the stack's order;
// withoutBuilt leaves out those a build section makes.
func imagesOf(st *stack.Stack, services []string, deps, withoutBuilt bool) ([]string, error) {
	selected, err := backend.SelectServices(st, services)
	if err != nil {
		return nil, err
	}
	if deps {
		for _, svc := range st.Select(selected, true).Services {
			selected = append(selected, svc.Name)
		}
	}
	var refs []string
	for _, svc := range st.Services {
		if !slices.Contains(selected, svc.Name) || (withoutBuilt && svc.Build != nil) || slices.Contains(refs, svc.Image) {
			continue
		}
		refs = append(refs, svc.Image)
	}
	return refs, nil
}

// transfer moves each image with move, reporting each, and returns every
// failure named by image and registry (or reports them and returns nil
// with ignoreFailures).
func (s *Store) transfer(ctx context.Context, refs []string, doing, done string, quiet, ignoreFailures bool,
	move func(context.Context, string, func(string)) error) error {
	errs := make([]error, len(refs))
	_ = walk.Each(indices(refs), func(i int) error {
		ref := refs[i]
		resource := "image " + ref
		progress := func(line string) {
			if !quiet {
				s.report(resource, doing, line, "info")
			}
		}
		progress("")
		if err := move(ctx, ref, progress); err != nil {
			// The engine's error names the image; this names the registry.
			err = fmt.Errorf("registry %s: %w", registryOf(ref), err)
			s.report(resource, "failed", err.Error(), "error")
			errs[i] = err
			return nil
		}
		if !quiet {
			s.report(resource, done, "", "info")
		}
		return nil
	})
	if ignoreFailures || ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.Join(errs...)
}

// registryOf is the registry a reference names, as the engine resolves
// it: docker.io (Docker Hub) when it names none.
func registryOf(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "(unparsable reference)"
	}
	return reference.Domain(named)
}

func indices[T any](s []T) []int {
	out := make([]int, len(s))
	for i := range out {
		out[i] = i
	}
	return out
}
