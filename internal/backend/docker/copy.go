package docker

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/moby/go-archive"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Copy copies files between this machine and a service's containers, as
// `docker compose cp` does, with the docker CLI's path rules: a directory
// copied into an existing directory goes inside it, under its own name;
// otherwise it takes the destination's name. Into the service, every
// replica gets the files unless opts.Index names one.
func (b *Backend) Copy(ctx context.Context, st *stack.Stack, opts backend.CopyOptions) error {
	if !opts.ToInstance {
		c, err := b.replica(ctx, st, opts.Service, opts.Index)
		if err != nil {
			return err
		}
		return b.copyOut(ctx, c.ID, c.Name, opts)
	}
	targets, err := b.replicasOf(ctx, st, []string{opts.Service})
	if err != nil {
		return err
	}
	if opts.Index != 0 {
		c, err := b.replica(ctx, st, opts.Service, opts.Index)
		if err != nil {
			return err
		}
		targets = []backend.ContainerStatus{c}
	}
	if len(targets) == 0 {
		return fmt.Errorf("service %s has no container: %w; create it with `stackctl up`", opts.Service, backend.ErrNotRunning)
	}
	if opts.Local == "-" && len(targets) > 1 {
		return fmt.Errorf("cp - %s:%s: standard input is read once, and service %s has %d replicas: name one with --index", opts.Service, opts.Path, opts.Service, len(targets))
	}
	for _, c := range targets {
		if err := b.copyIn(ctx, c.ID, c.Name, opts); err != nil {
			return err
		}
	}
	return nil
}

// copyOut copies the container's path to the local path, or as a tar
// archive to opts.Stdout for "-".
func (b *Backend) copyOut(ctx context.Context, id, name string, opts backend.CopyOptions) error {
	content, stat, err := b.engine.CopyFromContainer(ctx, id, opts.Path)
	if err != nil {
		return fmt.Errorf("cp %s:%s: %w", name, opts.Path, err)
	}
	defer content.Close()
	if opts.Local == "-" {
		_, err := io.Copy(opts.Stdout, content)
		return err
	}
	src := archive.CopyInfo{Path: opts.Path, Exists: true, IsDir: stat.IsDir}
	if err := archive.CopyTo(content, src, opts.Local); err != nil {
		return fmt.Errorf("cp %s:%s to %s: %w", name, opts.Path, opts.Local, err)
	}
	return nil
}

// copyIn copies the local path, or the tar archive on opts.Stdin for "-",
// into the container's path.
func (b *Backend) copyIn(ctx context.Context, id, name string, opts backend.CopyOptions) error {
	dst := archive.CopyInfo{Path: opts.Path}
	stat, err := b.engine.ContainerStatPath(ctx, id, opts.Path)
	switch {
	case err == nil:
		dst.Exists, dst.IsDir = true, stat.IsDir
	case !errors.Is(err, engine.ErrNotFound):
		return fmt.Errorf("cp to %s:%s: %w", name, opts.Path, err)
	}
	// Where nothing is there yet, the copy takes the path's name in its
	// parent directory, which must exist.
	if opts.Local == "-" {
		if !dst.IsDir {
			return fmt.Errorf("cp - %s:%s: the destination of an archive must be a directory", name, opts.Path)
		}
		return b.engine.CopyToContainer(ctx, id, opts.Path, opts.Stdin)
	}
	src, err := archive.CopyInfoSourcePath(opts.Local, false)
	if err != nil {
		return fmt.Errorf("cp %s: %w", opts.Local, err)
	}
	content, err := archive.TarResource(src)
	if err != nil {
		return fmt.Errorf("cp %s: %w", opts.Local, err)
	}
	defer content.Close()
	dir, prepared, err := archive.PrepareArchiveCopy(content, src, dst)
	if err != nil {
		return fmt.Errorf("cp %s to %s:%s: %w", opts.Local, name, opts.Path, err)
	}
	defer prepared.Close()
	if err := b.engine.CopyToContainer(ctx, id, dir, prepared); err != nil {
		return fmt.Errorf("cp %s to %s:%s: %w", opts.Local, name, opts.Path, err)
	}
	return nil
}
