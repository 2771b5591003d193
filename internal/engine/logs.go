package engine

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// ContainerLogs copies a container's stdout and stderr to the writers until
// the selected logs end (or, with Follow, until ctx is done).
func (c *Client) ContainerLogs(ctx context.Context, ref string, opts LogsOptions, stdout, stderr io.Writer) error {
	rc, err := c.api.ContainerLogs(ctx, ref, logsOptions(opts))
	if err != nil {
		return classify(err, "read logs of container %s", ref)
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(stdout, stderr, rc); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read logs of container %s: %w", ref, err)
	}
	return nil
}

func logsOptions(opts LogsOptions) container.LogsOptions {
	tail := "all"
	if opts.Tail >= 0 {
		tail = strconv.Itoa(opts.Tail)
	}
	o := container.LogsOptions{
		ShowStdout: true, ShowStderr: true,
		Follow: opts.Follow, Tail: tail, Timestamps: opts.Timestamps, Details: opts.Details,
	}
	if !opts.Since.IsZero() {
		o.Since = fmt.Sprintf("%d.%09d", opts.Since.Unix(), opts.Since.Nanosecond())
	}
	if !opts.Until.IsZero() {
		o.Until = fmt.Sprintf("%d.%09d", opts.Until.Unix(), opts.Until.Nanosecond())
	}
	return o
}
