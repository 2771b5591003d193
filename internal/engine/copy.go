package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/container"
)

// CopyFiles writes files (path relative to dir -> content) into the
// container under dir, through the API, so it works with a remote engine too.
// Files are written readable by all (mode 0644), owned by root.
func (c *Client) CopyFiles(ctx context.Context, ref, dir string, files map[string][]byte) error {
	return c.copyInto(ctx, ref, dir, files, 0o644)
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
