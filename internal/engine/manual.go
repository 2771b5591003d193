package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
)

// The operations of the commands a user runs on a stack by hand: pause,
// top, wait, rm and cp.

// Processes is what the engine's top answers: the ps column titles, and one
// row of values per process.
type Processes struct {
	Titles []string
	Rows   [][]string
}

// PathStat is what the engine says of a path in a container.
type PathStat struct {
	Name  string
	IsDir bool
	// LinkTarget is where a symbolic link points, "" for other files.
	LinkTarget string
}

// ContainerPause freezes every process of a running container.
func (c *Client) ContainerPause(ctx context.Context, ref string) error {
	if err := c.api.ContainerPause(ctx, ref); err != nil {
		return classify(err, "pause container %s", ref)
	}
	return nil
}

// ContainerUnpause thaws a paused container's processes.
func (c *Client) ContainerUnpause(ctx context.Context, ref string) error {
	if err := c.api.ContainerUnpause(ctx, ref); err != nil {
		return classify(err, "unpause container %s", ref)
	}
	return nil
}

// ContainerTop lists the processes of a running container, as the engine's
// ps (default arguments) shows them.
func (c *Client) ContainerTop(ctx context.Context, ref string) (Processes, error) {
	top, err := c.api.ContainerTop(ctx, ref, nil)
	if err != nil {
		return Processes{}, classify(err, "list the processes of container %s", ref)
	}
	return Processes{Titles: top.Titles, Rows: top.Processes}, nil
}

// ContainerWait blocks until the container is not running (at once when it
// is not) and returns the exit code of its last run.
func (c *Client) ContainerWait(ctx context.Context, ref string) (int, error) {
	results, errs := c.api.ContainerWait(ctx, ref, container.WaitConditionNotRunning)
	select {
	case r := <-results:
		if r.Error != nil && r.Error.Message != "" {
			return 0, fmt.Errorf("wait for container %s: %s", ref, r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-errs:
		return 0, classify(err, "wait for container %s", ref)
	case <-ctx.Done():
		return 0, fmt.Errorf("wait for container %s: %w", ref, ctx.Err())
	}
}

// ContainerRemoveStopped removes a container that is not running; the
// engine refuses a running one (ErrConflict), so a container started since
// it was looked at is not killed. volumes also removes its anonymous
// volumes.
func (c *Client) ContainerRemoveStopped(ctx context.Context, ref string, volumes bool) error {
	if err := c.api.ContainerRemove(ctx, ref, container.RemoveOptions{RemoveVolumes: volumes}); err != nil {
		return classify(err, "remove container %s", ref)
	}
	return nil
}

// ContainerStatPath says what path is in the container; ErrNotFound when
// nothing is there.
func (c *Client) ContainerStatPath(ctx context.Context, ref, path string) (PathStat, error) {
	st, err := c.api.ContainerStatPath(ctx, ref, path)
	if err != nil {
		return PathStat{}, classify(err, "stat %s in container %s", path, ref)
	}
	return PathStat{Name: st.Name, IsDir: st.Mode.IsDir(), LinkTarget: st.LinkTarget}, nil
}

// CopyToContainer unpacks the tar archive into the directory dir of the
// container, which must exist.
func (c *Client) CopyToContainer(ctx context.Context, ref, dir string, archive io.Reader) error {
	if err := c.api.CopyToContainer(ctx, ref, dir, archive, container.CopyToContainerOptions{}); err != nil {
		return classify(err, "copy into container %s:%s", ref, dir)
	}
	return nil
}

// CopyFromContainer returns a tar archive of path in the container, its
// entries named from path's base name, and what path is. The caller closes
// the archive.
func (c *Client) CopyFromContainer(ctx context.Context, ref, path string) (io.ReadCloser, PathStat, error) {
	rc, st, err := c.api.CopyFromContainer(ctx, ref, path)
	if err != nil {
		return nil, PathStat{}, classify(err, "copy %s from container %s", path, ref)
	}
	return rc, PathStat{Name: st.Name, IsDir: st.Mode.IsDir(), LinkTarget: st.LinkTarget}, nil
}
