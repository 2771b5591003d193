package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
)

// The fake engine's hand-run operations. They log "pause NAME", "unpause
// NAME", "top NAME", "wait NAME", "rm NAME" (with " -v" when volumes go
// too), "copy-to NAME DIR" and "copy-from NAME PATH". A container's files
// are its files map, by absolute path; a directory is any path some file
// lies under.

// ContainerPause refuses a container that is not running, as the engine does.
func (f *fakeEngine) ContainerPause(ctx context.Context, ref string) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if c.Status != "running" {
			return fmt.Errorf("pause container %s: container is %s: %w", c.Name, c.Status, engine.ErrConflict)
		}
		f.record("pause %s", c.Name)
		c.Status = "paused"
		return nil
	})
}

// ContainerUnpause refuses a container that is not paused, as the engine does.
func (f *fakeEngine) ContainerUnpause(ctx context.Context, ref string) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if c.Status != "paused" {
			return fmt.Errorf("unpause container %s: container is not paused: %w", c.Name, engine.ErrConflict)
		}
		f.record("unpause %s", c.Name)
		c.Status = "running"
		return nil
	})
}

// ContainerTop answers one process, the container's command, for a
// running container.
func (f *fakeEngine) ContainerTop(ctx context.Context, ref string) (engine.Processes, error) {
	var p engine.Processes
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if !c.Running() {
			return fmt.Errorf("top container %s: container is not running: %w", c.Name, engine.ErrConflict)
		}
		f.record("top %s", c.Name)
		cmd := strings.Join(append(slices.Clone(c.spec.Entrypoint), c.spec.Cmd...), " ")
		p = engine.Processes{Titles: []string{"UID", "PID", "CMD"}, Rows: [][]string{{"root", fmt.Sprint(c.Pid + 100), cmd}}}
		return nil
	})
	return p, err
}

// ContainerWait returns at once for a container that is not running, and
// else at its next exit.
func (f *fakeEngine) ContainerWait(ctx context.Context, ref string) (int, error) {
	// Watching first, so an exit between the look and the watch is seen.
	watchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	deaths := f.ContainerDeaths(watchCtx, ref)
	f.mu.Lock()
	c, err := f.find(ref)
	if err != nil {
		f.mu.Unlock()
		return 0, err
	}
	f.record("wait %s", c.Name)
	name, code, stopped := c.Name, c.ExitCode, !c.Running() && c.Status != "paused"
	f.mu.Unlock()
	if stopped {
		return code, nil
	}
	select {
	case code := <-deaths:
		return code, nil
	case <-ctx.Done():
		return 0, fmt.Errorf("wait for container %s: %w", name, ctx.Err())
	}
}

// ContainerRemoveStopped refuses a running container, as the engine does
// without force.
func (f *fakeEngine) ContainerRemoveStopped(ctx context.Context, ref string, volumes bool) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if c.Running() || c.Status == "paused" {
			return fmt.Errorf("remove container %s: container is %s: %w", c.Name, c.Status, engine.ErrConflict)
		}
		if volumes {
			f.record("rm %s -v", c.Name)
		} else {
			f.record("rm %s", c.Name)
		}
		delete(f.containers, c.Name)
		return nil
	})
}

// statFiles says what p is among files: a file, a directory, or nothing.
func statFiles(files map[string][]byte, p string) (engine.PathStat, bool) {
	p = path.Clean(p)
	if _, ok := files[p]; ok {
		return engine.PathStat{Name: path.Base(p)}, true
	}
	for name := range files {
		if strings.HasPrefix(name, strings.TrimSuffix(p, "/")+"/") {
			return engine.PathStat{Name: path.Base(p), IsDir: true}, true
		}
	}
	return engine.PathStat{}, false
}

func (f *fakeEngine) ContainerStatPath(ctx context.Context, ref, p string) (engine.PathStat, error) {
	var st engine.PathStat
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		var ok bool
		if st, ok = statFiles(c.files, p); !ok {
			return fmt.Errorf("stat %s in container %s: %w", p, c.Name, engine.ErrNotFound)
		}
		return nil
	})
	return st, err
}

// CopyToContainer keeps the archive's regular files under dir, which must
// be a directory ("/" always is).
func (f *fakeEngine) CopyToContainer(ctx context.Context, ref, dir string, archive io.Reader) error {
	data, err := io.ReadAll(archive)
	if err != nil {
		return err
	}
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if st, ok := statFiles(c.files, dir); path.Clean(dir) != "/" && (!ok || !st.IsDir) {
			return fmt.Errorf("copy into container %s:%s: no such directory: %w", c.Name, dir, engine.ErrNotFound)
		}
		f.record("copy-to %s %s", c.Name, dir)
		if c.files == nil {
			c.files = map[string][]byte{}
		}
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if h.Typeflag != tar.TypeReg {
				continue
			}
			content, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			c.files[path.Join(dir, h.Name)] = content
		}
	})
}

// CopyFromContainer packs p, a file or a directory, as the engine does:
// its entries named from p's base name.
func (f *fakeEngine) CopyFromContainer(ctx context.Context, ref, p string) (io.ReadCloser, engine.PathStat, error) {
	var (
		buf bytes.Buffer
		st  engine.PathStat
	)
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		var ok bool
		if st, ok = statFiles(c.files, p); !ok {
			return fmt.Errorf("copy %s from container %s: %w", p, c.Name, engine.ErrNotFound)
		}
		f.record("copy-from %s %s", c.Name, p)
		clean := path.Clean(p)
		names := make([]string, 0, len(c.files))
		for name := range c.files {
			if name == clean || strings.HasPrefix(name, clean+"/") {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		tw := tar.NewWriter(&buf)
		if st.IsDir {
			if err := tw.WriteHeader(&tar.Header{Name: st.Name + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
				return err
			}
		}
		for _, name := range names {
			entry := path.Join(st.Name, strings.TrimPrefix(name, clean))
			if err := tw.WriteHeader(&tar.Header{Name: entry, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(c.files[name]))}); err != nil {
				return err
			}
			if _, err := tw.Write(c.files[name]); err != nil {
				return err
			}
		}
		return tw.Close()
	})
	if err != nil {
		return nil, engine.PathStat{}, err
	}
	return io.NopCloser(&buf), st, nil
}
