package images

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Build builds the images of the named services (all, when none is named)
// that have a build section, whether or not their context changed.
func (s *Store) Build(ctx context.Context, st *stack.Stack, services []string) error {
	if err := backend.CheckServices(st, services); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if len(services) > 0 {
		services = withContextServices(st, services)
	}
	only := *st
	only.Services = slices.DeleteFunc(slices.Clone(st.Services), func(svc stack.Service) bool {
		return svc.Build == nil || (len(services) > 0 && !slices.Contains(services, svc.Name))
	})
	_, _, err := s.Ensure(ctx, &only, true)
	return err
}

// List lists the image of every service and whether the engine has it.
func (s *Store) List(ctx context.Context, st *stack.Stack) ([]backend.ImageStatus, error) {
	out := make([]backend.ImageStatus, 0, len(st.Services))
	for _, svc := range st.Services {
		status := backend.ImageStatus{Service: svc.Name, Image: svc.Image, Built: svc.Build != nil}
		img, err := s.engine.ImageInspect(ctx, svc.Image)
		switch {
		case err == nil:
			status.ID = ShortID(img.ID)
		case !errors.Is(err, engine.ErrNotFound):
			return nil, err
		}
		out = append(out, status)
	}
	return out, nil
}

// withContextServices is services and every service whose image one of
// their builds takes as an additional context ("service:NAME"), and so on:
// those are built first.
func withContextServices(st *stack.Stack, services []string) []string {
	out := slices.Clone(services)
	for i := 0; i < len(out); i++ {
		svc, ok := st.Service(out[i])
		if !ok || svc.Build == nil {
			continue
		}
		for _, value := range svc.Build.AdditionalContexts {
			if dep, ok := strings.CutPrefix(value, stack.ServiceContextPrefix); ok && !slices.Contains(out, dep) {
				out = append(out, dep)
			}
		}
	}
	return out
}
