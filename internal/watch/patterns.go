package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// matcher matches absolute paths against .dockerignore-style patterns
// made absolute under a root, as Compose's watch does: a path matches when
// it or one of its parents does.
type matcher struct {
	pm *patternmatcher.PatternMatcher
}

// newMatcher reads patterns relative to root ("*" is everything in it, as
// a parent matching matches its children). No pattern matches nothing.
func newMatcher(root string, patterns []string) (*matcher, error) {
	abs := make([]string, 0, len(patterns))
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		exclusion := strings.HasPrefix(p, "!")
		p = filepath.Clean(strings.TrimPrefix(p, "!"))
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		if exclusion {
			p = "!" + p
		}
		abs = append(abs, p)
	}
	if len(abs) == 0 {
		return nil, nil
	}
	pm, err := patternmatcher.New(abs)
	if err != nil {
		return nil, err
	}
	return &matcher{pm: pm}, nil
}

// matches says whether the absolute path, or a directory above it,
// matches; a nil matcher matches nothing.
func (m *matcher) matches(path string) bool {
	if m == nil {
		return false
	}
	ok, err := m.pm.MatchesOrParentMatches(path)
	return err == nil && ok
}

// ephemeral are the files editors write beside the ones they save (swap,
// backup and lock files), never worth an action; Compose ignores the same.
var ephemeral = []string{
	"**/*___jb_old___", "**/*___jb_tmp___", "**/.idea/**",
	"**/.#*", "**/#*#",
	"**/4913", "**/*~", "**/.*.swp", "**/.*.swx", "**/.*.swo", "**/.*.swn",
	"**/.*.kate-swp", "**/*-go-tmp-umask",
}

// inGitDir says whether the path lies in a .git directory, which a watch
// never acts on (Compose ignores .git/ too).
func inGitDir(path string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(path), "/"), ".git")
}

// dockerignore reads the build context's ignore file as the builder does:
// <Dockerfile>.dockerignore beside the Dockerfile first, else the context's
// .dockerignore; none is no pattern.
func dockerignore(context, dockerfile string) (*matcher, error) {
	candidates := []string{filepath.Join(context, ".dockerignore")}
	if dockerfile != "" {
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(context, dockerfile)
		}
		candidates = append([]string{dockerfile + ".dockerignore"}, candidates...)
	}
	for _, name := range candidates {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		patterns, err := ignorefile.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		m, err := newMatcher(context, patterns)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return m, nil
	}
	return nil, nil
}
