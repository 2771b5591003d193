package watch

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Archive splits a sync's mappings into the tar archive of the host paths
// that exist, named by their container paths relative to "/" so the engine
// unpacks it at the root (making missing directories), and the container
// paths of the host paths that are gone, for `rm -rf` in the container, as
// Compose syncs. A directory goes as its own entry (its files are changes
// of their own) only when no other entry lies under it: the engine makes
// the directories an entry's path implies, and it refuses a directory
// entry where the container has a symlink (Compose's symlink fixture
// links a synced directory elsewhere), while a file goes through the link.
func Archive(mappings []Mapping) (archive []byte, deleted []string, err error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range mappings {
		if impliedByOthers(m, mappings) {
			continue
		}
		info, err := os.Lstat(m.HostPath)
		if errors.Is(err, fs.ErrNotExist) {
			deleted = append(deleted, m.ContainerPath)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sync %s: %w", m.HostPath, err)
		}
		if err := addEntry(tw, m, info); err != nil {
			return nil, nil, fmt.Errorf("sync %s: %w", m.HostPath, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, fmt.Errorf("sync: %w", err)
	}
	return buf.Bytes(), deleted, nil
}

func addEntry(tw *tar.Writer, m Mapping, info fs.FileInfo) error {
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(m.HostPath)
		if err != nil {
			return err
		}
		link = target
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	var content []byte
	if info.Mode().IsRegular() {
		// Read whole, so the header's size is the content's even when the
		// file changes meanwhile (that change is one of its own).
		if content, err = os.ReadFile(m.HostPath); err != nil {
			return err
		}
		hdr.Size = int64(len(content))
	}
	hdr.Name = strings.TrimPrefix(m.ContainerPath, "/")
	// The container's root owns what a sync writes, as docker cp's
	// archives leave it: the host's user means nothing there.
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	if info.IsDir() {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = tw.Write(content)
	return err
}

// impliedByOthers says whether m's path is a directory that another
// mapping's container path lies under, so that unpacking that one makes
// it.
func impliedByOthers(m Mapping, mappings []Mapping) bool {
	info, err := os.Lstat(m.HostPath)
	if err != nil || !info.IsDir() {
		return false
	}
	prefix := strings.TrimSuffix(m.ContainerPath, "/") + "/"
	for _, other := range mappings {
		if strings.HasPrefix(other.ContainerPath, prefix) {
			if _, err := os.Lstat(other.HostPath); err == nil {
				return true
			}
		}
	}
	return false
}
