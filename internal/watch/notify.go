package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// Notifier reports the host paths that change under the watched roots:
// a directory root is watched with every directory beneath it, including
// the ones created later (fsnotify watches one directory at a time); a
// file root, or one not there yet, through its parent directory, so an
// editor that saves by renaming is still seen.
type Notifier struct {
	fs    *fsnotify.Watcher
	roots []string
}

// NewNotifier starts watching roots (absolute paths).
func NewNotifier(roots []string) (*Notifier, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch files: %w", err)
	}
	n := &Notifier{fs: w, roots: roots}
	for _, root := range roots {
		info, err := os.Stat(root)
		switch {
		case err == nil && info.IsDir():
			err = n.addTree(root, nil)
		case err == nil || errors.Is(err, fs.ErrNotExist):
			err = w.Add(filepath.Dir(root))
		}
		if err != nil {
			_ = w.Close()
			return nil, fmt.Errorf("watch %s: %w", root, err)
		}
	}
	return n, nil
}

// addTree watches dir and the directories beneath it, but .git's, and
// tells found of each file found there: files written into a new
// directory before its watch began are changes too.
func (n *Notifier) addTree(dir string, found func(string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			if found != nil {
				found(p)
			}
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		return n.fs.Add(p)
	})
}

// watched says whether p is a root or lies under one.
func (n *Notifier) watched(p string) bool {
	for _, root := range n.roots {
		if p == root || strings.HasPrefix(p, root+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// Run sends each changed path to out until ctx ends or the watcher
// fails, then closes the watcher and out. A change of mode alone is no
// change.
func (n *Notifier) Run(ctx context.Context, out chan<- string) error {
	defer close(out)
	defer n.fs.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-n.fs.Errors:
			return fmt.Errorf("watch files: %w", err)
		case e, ok := <-n.fs.Events:
			if !ok {
				return nil
			}
			if e.Op == fsnotify.Chmod || !n.watched(e.Name) {
				continue
			}
			if e.Has(fsnotify.Create) {
				if info, err := os.Lstat(e.Name); err == nil && info.IsDir() {
					var found []string
					if err := n.addTree(e.Name, func(p string) { found = append(found, p) }); err != nil {
						return fmt.Errorf("watch %s: %w", e.Name, err)
					}
					for _, p := range found {
						if !send(ctx, out, p) {
							return nil
						}
					}
				}
			}
			if !send(ctx, out, e.Name) {
				return nil
			}
		}
	}
}
