package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
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

// Build builds the images of the named services (all, when none is named)
// that have a build section, whether or not their context changed.
func (o *Orchestrator) Build(ctx context.Context, st *stack.Stack, services []string) error {
	for _, name := range services {
		if _, ok := st.Service(name); !ok {
			return fmt.Errorf("build: %w %q (the stack has: %s)", ErrUnknownService, name, strings.Join(st.ServiceNames(), ", "))
		}
	}
	only := *st
	only.Services = slices.DeleteFunc(slices.Clone(st.Services), func(svc stack.Service) bool {
		return svc.Build == nil || (len(services) > 0 && !slices.Contains(services, svc.Name))
	})
	_, _, err := o.ensureImages(ctx, &only, true)
	return err
}

// Images lists the image of every service and whether the engine has it.
func (o *Orchestrator) Images(ctx context.Context, st *stack.Stack) ([]ImageStatus, error) {
	out := make([]ImageStatus, 0, len(st.Services))
	for _, svc := range st.Services {
		s := ImageStatus{Service: svc.Name, Image: svc.Image, Built: svc.Build != nil}
		img, err := o.engine.ImageInspect(ctx, svc.Image)
		switch {
		case err == nil:
			s.ID = shortID(img.ID)
		case !errors.Is(err, engine.ErrNotFound):
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
