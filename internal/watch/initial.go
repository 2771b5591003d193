package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// InitialSync is what a sync rule with initial_sync copies before the
// watch begins: every file under its path the rule acts on, so the
// container starts from the tree as it is now. A path not there yet has
// nothing to copy.
func InitialSync(r Rule) ([]Mapping, error) {
	var mappings []Mapping
	err := filepath.WalkDir(r.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if r.Ignored(p) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if target, ok := r.Match(p); ok {
			mappings = append(mappings, Mapping{HostPath: p, ContainerPath: target})
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("initial sync of %s: %w", r.Path, err)
	}
	return mappings, nil
}
