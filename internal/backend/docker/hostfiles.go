package docker

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Writing into a volume through the engine's archive API costs a container
// to mount it (for secrets and the gate's binary), and the engine
// re-executes itself to unpack what it is given: 40 to 70 ms of its CPU
// for a gate's marker, 0.2 s for the built-in stack's three secrets
// volumes and 0.2 to 0.3 s for the gate's 20 MB binary on a first up, all
// while db starts. An engine on this machine keeps a local volume's files
// in a directory of this machine's (the volume's Mountpoint), so stackctl
// writes them there, then has the engine confirm, through a container that
// mounts the volume, that it sees what was written; if not (an engine in a
// virtual machine, a user who may not write there), the API writes them.

// hostDir is where an engine on this machine keeps the files of volume,
// asked once per backend.
func (b *Backend) hostDir(ctx context.Context, volume string) (string, bool) {
	if !b.engine.IsLocal() {
		return "", false
	}
	if dir, ok := b.hostDirs.Load(volume); ok {
		return dir.(string), true
	}
	v, err := b.engine.VolumeInspect(ctx, volume)
	if err != nil || v.Mountpoint == "" {
		return "", false
	}
	b.hostDirs.Store(volume, v.Mountpoint)
	return v.Mountpoint, true
}

// writeOnHost writes files (paths relative to dir) as the archive API
// does (mode 0644, directories 0755), and returns how to take them back:
// on a failure, what it wrote is already taken back.
func writeOnHost(dir string, files map[string][]byte) (undo func(), err error) {
	var written []string
	undo = func() {
		for _, p := range written {
			_ = os.Remove(p)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err // not here: nothing of it is made
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if !filepath.IsLocal(name) {
			err = errors.New("not a path inside the volume: " + name)
		} else if err = makeDirs(dir, filepath.Dir(p)); err == nil {
			// Modes as given, whatever this process's umask or the mode
			// of a file there before.
			if err = os.WriteFile(p, content, 0o644); err == nil {
				err = os.Chmod(p, 0o644)
			}
		}
		if err != nil {
			undo()
			return nil, err
		}
		written = append(written, p)
	}
	return undo, nil
}

// makeDirs makes the directories of path below root, mode 0755.
func makeDirs(root, path string) error {
	if path == root {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := makeDirs(root, filepath.Dir(path)); err != nil {
		return err
	}
	if err := os.Mkdir(path, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return os.Chmod(path, 0o755)
}

// copyOnHost copies the file at src into dir as name, with mode, through
// a file of another name renamed into place, so the name never holds part
// of it; it returns how to take it back.
func copyOnHost(dir, name, src string, mode os.FileMode) (undo func(), err error) {
	in, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, ".stackctl-copy-*")
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(out, in)
	err = errors.Join(err, out.Chmod(mode), out.Close())
	if err == nil {
		err = os.Rename(out.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(out.Name())
		return nil, err
	}
	return func() { _ = os.Remove(filepath.Join(dir, name)) }, nil
}

// seenAs says whether container id sees, at path, a file of size bytes.
func (b *Backend) seenAs(ctx context.Context, id, path string, size int64) bool {
	got, err := b.engine.PathSize(ctx, id, path)
	return err == nil && got == size
}
