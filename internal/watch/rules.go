package watch

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Rule is one develop.watch trigger of one service, ready to match paths.
type Rule struct {
	Service string
	Action  types.WatchAction
	// Path is the watched host path, absolute; Target is where it lands
	// in the container (sync actions only).
	Path, Target string
	// InitialSync is initial_sync, or x-initialSync, the key Compose
	// read before it and still honours.
	InitialSync bool
	// Exec is what sync+exec runs in each container after the sync.
	Exec types.ServiceHook
	// include (nil: every path) and ignore select the paths under Path the
	// rule acts on; ignore holds the trigger's patterns and, for a service
	// that builds, its context's .dockerignore.
	include, ignore []*matcher
}

// IsSync says whether the rule copies files into the container.
func (r Rule) IsSync() bool {
	switch r.Action {
	case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
		return true
	}
	return false
}

// Match says whether the rule acts on the absolute host path and, for a
// sync, where the path lands in the container.
func (r Rule) Match(hostPath string) (containerPath string, ok bool) {
	rel, err := filepath.Rel(r.Path, hostPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	if r.Ignored(hostPath) {
		return "", false
	}
	if len(r.include) > 0 && !slices.ContainsFunc(r.include, func(m *matcher) bool { return m.matches(hostPath) }) {
		return "", false
	}
	if r.Target == "" {
		return "", true
	}
	return path.Join(r.Target, filepath.ToSlash(rel)), true
}

// Ignored says whether the rule never acts on the path: it is ignored by
// the trigger or the .dockerignore, an editor's scratch file, or in .git.
func (r Rule) Ignored(hostPath string) bool {
	if inGitDir(hostPath) || ephemeralMatcher.matches(hostPath) {
		return true
	}
	return slices.ContainsFunc(r.ignore, func(m *matcher) bool { return m.matches(hostPath) })
}

var ephemeralMatcher = func() *matcher {
	m, err := newMatcher(string(filepath.Separator), ephemeral)
	if err != nil {
		// The patterns are constants that parse; a change that breaks one
		// fails every test of this package.
		return nil
	}
	return m
}()

// Rules are the watch rules of the named services (all when none), in
// the project's service order. A service without develop.watch has none;
// a rebuild trigger needs a build, and a sync trigger a target, as in
// Compose.
func Rules(p *types.Project, services []string) ([]Rule, error) {
	names := services
	if len(names) == 0 {
		names = p.ServiceNames()
	}
	var rules []Rule
	for _, name := range names {
		svc, ok := p.Services[name]
		if !ok {
			return nil, fmt.Errorf("no such service: %s", name)
		}
		if svc.Develop == nil {
			continue
		}
		var ignoreFile *matcher
		if svc.Build != nil {
			m, err := dockerignore(absUnder(p.WorkingDir, svc.Build.Context), svc.Build.Dockerfile)
			if err != nil {
				return nil, fmt.Errorf("service %s: %w", name, err)
			}
			ignoreFile = m
		}
		for i, t := range svc.Develop.Watch {
			r, err := rule(p.WorkingDir, svc, t, ignoreFile)
			if err != nil {
				return nil, fmt.Errorf("service %s: develop.watch[%d]: %w", name, i, err)
			}
			rules = append(rules, r)
		}
	}
	return rules, nil
}

func rule(workingDir string, svc types.ServiceConfig, t types.Trigger, ignoreFile *matcher) (Rule, error) {
	r := Rule{
		Service: svc.Name, Action: t.Action, Path: absUnder(workingDir, t.Path),
		Target: t.Target, InitialSync: t.InitialSync || t.Extensions["x-initialSync"] == true, Exec: t.Exec,
	}
	switch t.Action {
	case types.WatchActionRebuild:
		if svc.Build == nil {
			return r, fmt.Errorf("action rebuild needs a build section to rebuild from")
		}
	case types.WatchActionRestart:
	case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
		if t.Target == "" {
			return r, fmt.Errorf("action %s needs a target in the container", t.Action)
		}
		if t.Action == types.WatchActionSyncExec && len(t.Exec.Command) == 0 {
			return r, fmt.Errorf("action sync+exec needs exec.command")
		}
		if t.Exec.Privileged {
			return r, fmt.Errorf("exec.privileged is not supported by stackctl watch")
		}
	default:
		return r, fmt.Errorf("action %q is none of sync, restart, sync+restart, sync+exec, rebuild", t.Action)
	}
	if t.Path == "" {
		return r, fmt.Errorf("path is empty")
	}
	ignore, err := newMatcher(r.Path, t.Ignore)
	if err != nil {
		return r, fmt.Errorf("ignore: %w", err)
	}
	for _, m := range []*matcher{ignore, ignoreFile} {
		if m != nil {
			r.ignore = append(r.ignore, m)
		}
	}
	if len(t.Include) > 0 {
		include, err := newMatcher(r.Path, t.Include)
		if err != nil {
			return r, fmt.Errorf("include: %w", err)
		}
		if include != nil {
			r.include = append(r.include, include)
		}
	}
	return r, nil
}

// absUnder is p, absolute, relative to dir when it is not.
func absUnder(dir, p string) string {
	if filepath.IsAbs(p) || dir == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}
