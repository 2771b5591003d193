package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/docker/docker/api/types/container"
)

// CopyFiles writes files (path relative to dir -> content) into the
// container under dir, through the API, so it works with a remote engine too.
// Files are written readable by all (mode 0644), owned by root.
func (c *Client) CopyFiles(ctx context.Context, ref, dir string, files map[string][]byte) error {
	return c.copyInto(ctx, ref, dir, files, 0o644)
}

// CopyProgram writes the executable file at path (mode 0755, owned by
// root) into the container under dir as name, through the API. The file
// is streamed, never held in memory: stackctl's own binary is 20 MB.
func (c *Client) CopyProgram(ctx context.Context, ref, dir, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("copy %s into container %s: %w", path, ref, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("copy %s into container %s: %w", path, ref, err)
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: info.Size(), Typeflag: tar.TypeReg})
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err = c.api.CopyToContainer(ctx, ref, dir, pr, container.CopyToContainerOptions{})
	pr.CloseWithError(err) // ends the writer if the engine stopped reading
	if err != nil {
		return classify(err, "copy %s into container %s:%s", path, ref, dir)
	}
	return nil
}

func (c *Client) copyInto(ctx context.Context, ref, dir string, files map[string][]byte, mode int64) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		content := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("pack %s for container %s: %w", name, ref, err)
		}
		if _, err := tw.Write(content); err != nil {
			return fmt.Errorf("pack %s for container %s: %w", name, ref, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("pack files for container %s: %w", ref, err)
	}
	if err := c.api.CopyToContainer(ctx, ref, dir, &buf, container.CopyToContainerOptions{}); err != nil {
		return classify(err, "copy files into container %s:%s", ref, dir)
	}
	return nil
}

// PathSize is the size of the file at path in the container, running or
// not; ErrNotFound when there is none.
func (c *Client) PathSize(ctx context.Context, ref, path string) (int64, error) {
	st, err := c.api.ContainerStatPath(ctx, ref, path)
	if err != nil {
		return 0, classify(err, "look for %s in container %s", path, ref)
	}
	return st.Size, nil
}
