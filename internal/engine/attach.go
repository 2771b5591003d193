package engine

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/container"
)

// ContainerAttach connects stdio to a running container's own streams, as
// docker attach does, until its output ends (the container stopped, or the
// detach keys were typed), and returns its exit code then (0 while it
// still runs: the caller detached). The container decides whether there
// is a terminal and whether stdio.In is read; detachKeys "" is the
// engine's default, ctrl-p,ctrl-q.
func (c *Client) ContainerAttach(ctx context.Context, ref string, stdio Stdio, detachKeys string) (int, error) {
	before, err := c.api.ContainerInspect(ctx, ref)
	if err != nil {
		return 0, classify(err, "attach to container %s", ref)
	}
	if before.Config != nil {
		stdio.TTY = before.Config.Tty
		if !before.Config.OpenStdin {
			stdio.In = nil
		}
	}
	attached, err := c.api.ContainerAttach(ctx, ref, container.AttachOptions{
		Stream: true, Stdin: stdio.In != nil, Stdout: true, Stderr: true, DetachKeys: detachKeys,
	})
	if err != nil {
		return 0, classify(err, "attach to container %s", ref)
	}
	defer attached.Close()
	restore, err := makeRaw(stdio)
	if err != nil {
		return 0, fmt.Errorf("attach to container %s: %w", ref, err)
	}
	defer restore()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go followSize(ctx, stdio, false, func(h, w uint) error {
		return c.api.ContainerResize(ctx, ref, container.ResizeOptions{Height: h, Width: w})
	})
	if err := stream(ctx, attached, stdio); err != nil {
		return 0, fmt.Errorf("attach to container %s: %w", ref, err)
	}
	inspected, err := c.api.ContainerInspect(ctx, ref)
	if err != nil {
		return 0, classify(err, "inspect container %s", ref)
	}
	if inspected.State == nil || inspected.State.Running {
		return 0, nil
	}
	return inspected.State.ExitCode, nil
}
