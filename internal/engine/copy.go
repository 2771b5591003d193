package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/docker/docker/api/types/container"
)

// File is a file written into a container: its content, and the owner
// and mode its tar entry carries. The engine keeps the entry's numeric
// owner (it is asked for no copyUIDGID, which would give every file the
// container's user instead).
type File struct {
	Content  []byte
	UID, GID int
	Mode     int64
}

// CopyFiles writes files (path relative to dir -> content) into the
// container under dir, through the API, so it works with a remote engine too.
// Files are written readable by all (mode 0644), owned by root.
func (c *Client) CopyFiles(ctx context.Context, ref, dir string, files map[string][]byte) error {
	owned := make(map[string]File, len(files))
	for name, content := range files {
		owned[name] = File{Content: content, Mode: 0o644}
	}
	return c.WriteFiles(ctx, ref, dir, owned)
}

// WriteFiles writes files (path relative to dir -> file) into the
// container under dir, each with its own owner and mode.
func (c *Client) WriteFiles(ctx context.Context, ref, dir string, files map[string]File) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := files[name]
		hdr := &tar.Header{Name: name, Mode: f.Mode, Uid: f.UID, Gid: f.GID, Size: int64(len(f.Content)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("pack %s for container %s: %w", name, ref, err)
		}
		if _, err := tw.Write(f.Content); err != nil {
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
