package docker

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
)

// The fake engine's event stream tells a "start" of each running
// container carrying the labels, in name order, and then ends, as one
// with Until passed does. Usage is one process at 1% CPU; attach writes
// the container's name and returns its exit code; a push of a present
// image fails as one with no registry does.

func (f *fakeEngine) ContainerEvents(ctx context.Context, opts engine.EventsOptions, fn func(engine.ContainerEvent) error) error {
	f.mu.Lock()
	var events []engine.ContainerEvent
	for _, name := range slices.Sorted(maps.Keys(f.containers)) {
		c := f.containers[name]
		matches := c.Running()
		for k, v := range opts.Labels {
			matches = matches && c.spec.Labels[k] == v
		}
		if !matches {
			continue
		}
		attributes := maps.Clone(c.spec.Labels)
		attributes["name"], attributes["image"] = c.Name, c.spec.Image
		events = append(events, engine.ContainerEvent{Time: time.Now(), ID: c.ID, Action: "start", Attributes: attributes})
	}
	f.record("events")
	f.mu.Unlock()
	for _, e := range events {
		if err := fn(e); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (f *fakeEngine) ContainerUsage(ctx context.Context, ref string) (engine.Usage, error) {
	var u engine.Usage
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if !c.Running() {
			return fmt.Errorf("read the usage of container %s: not running: %w", c.Name, engine.ErrConflict)
		}
		f.record("usage %s", c.Name)
		u = engine.Usage{CPUPercent: 1, PIDs: 1}
		return nil
	})
	return u, err
}

func (f *fakeEngine) ContainerAttach(ctx context.Context, ref string, stdio engine.Stdio, _ string) (int, error) {
	var name string
	var code int
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		name, code = c.Name, c.ExitCode
		f.record("attach %s", c.Name)
		return nil
	})
	if err == nil && stdio.Out != nil {
		_, _ = io.WriteString(stdio.Out, name+"\n")
	}
	return code, err
}

func (f *fakeEngine) ImagePush(ctx context.Context, ref string, _ func(string)) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("push %s", ref)
	if _, ok := f.images[ref]; !ok {
		return "", fmt.Errorf("push image %s: no such image: %w", ref, engine.ErrNotFound)
	}
	return "", fmt.Errorf("push image %s: dial tcp: lookup %s: no such host", ref, registryHost(ref))
}

// registryHost is the host a push of ref would dial.
func registryHost(ref string) string {
	if host, _, ok := strings.Cut(ref, "/"); ok && strings.ContainsAny(host, ".:") {
		return host
	}
	return "registry-1.docker.io"
}
