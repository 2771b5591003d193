package conformance

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// Fixture is one project of the vendored fixtures: its compose files, the
// first one's directory being the project directory.
type Fixture struct {
	// Name is the first file's path under the fixtures' directory, with
	// the overrides after a "+".
	Name  string
	Files []string
	// Builds are the images the fixture's builds tag, set by the
	// differential run when it picks the fixture.
	Builds []string
}

// overrides are files that override another, loaded after it as their
// upstream test loads them, never on their own.
var overrides = map[string]string{
	"publish/oci/compose-override.yaml": "publish/oci/compose.yaml",
}

// Fixtures are the projects of the compose files under dir, in the order
// of their names.
func Fixtures(dir string) ([]Fixture, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("fixtures %s: %w", dir, err)
	}
	var names []string
	err = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			rel, err := filepath.Rel(abs, path)
			names = append(names, filepath.ToSlash(rel))
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fixtures %s: %w", dir, err)
	}
	slices.Sort(names)
	var out []Fixture
	for _, name := range names {
		if _, ok := overrides[name]; ok {
			continue
		}
		f := Fixture{Name: name, Files: []string{filepath.Join(abs, filepath.FromSlash(name))}}
		for over, base := range overrides {
			if base == name {
				f.Name += "+" + filepath.Base(over)
				f.Files = append(f.Files, filepath.Join(abs, filepath.FromSlash(over)))
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// ProjectName is the project name the differential run gives the fixture:
// its name made a valid project name, under prefix.
func (f Fixture) ProjectName(prefix string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, strings.TrimSuffix(strings.TrimSuffix(f.Name, ".yaml"), ".yml"))
	return prefix + "-" + name
}
