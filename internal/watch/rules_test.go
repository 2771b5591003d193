package watch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func project(t *testing.T, dir string, services ...types.ServiceConfig) *types.Project {
	t.Helper()
	p := &types.Project{Name: "p", WorkingDir: dir, Services: types.Services{}}
	for _, s := range services {
		p.Services[s.Name] = s
	}
	return p
}

func develop(triggers ...types.Trigger) *types.DevelopConfig {
	return &types.DevelopConfig{Watch: triggers}
}

func TestRuleMatchMapsHostPathsToTheTarget(t *testing.T) {
	dir := t.TempDir()
	p := project(t, dir, types.ServiceConfig{Name: "web", Develop: develop(
		types.Trigger{Path: "./src", Target: "/app", Action: types.WatchActionSync, Ignore: []string{"*.log", "cache/"}},
		types.Trigger{Path: "requirements.txt", Action: types.WatchActionRestart},
	)})
	rules, err := Rules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("rules = %d, want 2", len(rules))
	}
	src := rules[0]
	cases := []struct {
		path, target string
		ok           bool
	}{
		{"src/main.py", "/app/main.py", true},
		{"src/pkg/mod.py", "/app/pkg/mod.py", true},
		{"src", "/app", true},
		{"srcother/x.py", "", false},
		{"other/main.py", "", false},
		{"src/debug.log", "", false},
		{"src/cache/x.py", "", false},
		{"src/.git/HEAD", "", false},
		{"src/.main.py.swp", "", false},
		{"src/main.py~", "", false},
	}
	for _, c := range cases {
		target, ok := src.Match(filepath.Join(dir, c.path))
		if ok != c.ok || target != c.target {
			t.Errorf("Match(%s) = %q, %v; want %q, %v", c.path, target, ok, c.target, c.ok)
		}
	}
	if _, ok := rules[1].Match(filepath.Join(dir, "requirements.txt")); !ok {
		t.Errorf("the restart rule does not match its own file")
	}
	if _, ok := rules[1].Match(filepath.Join(dir, "requirements.txt.bak")); ok {
		t.Errorf("the restart rule matches a sibling of its file")
	}
}

func TestRuleIncludeSelectsPaths(t *testing.T) {
	dir := t.TempDir()
	p := project(t, dir, types.ServiceConfig{Name: "web", Develop: develop(
		types.Trigger{Path: ".", Target: "/app", Action: types.WatchActionSync, Include: []string{"*.py"}},
	)})
	rules, err := Rules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rules[0].Match(filepath.Join(dir, "app.py")); !ok {
		t.Errorf("an included file is not matched")
	}
	if _, ok := rules[0].Match(filepath.Join(dir, "README.md")); ok {
		t.Errorf("a file the include leaves out is matched")
	}
}

func TestRulesHonourTheBuildContextsDockerignore(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("node_modules\n*.md\n!KEEP.md\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := project(t, dir, types.ServiceConfig{Name: "web", WorkloadSpec: types.WorkloadSpec{Build: &types.BuildConfig{Context: dir, Dockerfile: "Dockerfile"}}, Develop: develop(
		types.Trigger{Path: dir, Action: types.WatchActionRebuild},
	)})
	rules, err := Rules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"main.go": true, "node_modules/x/index.js": false, "README.md": false, "KEEP.md": true,
	} {
		if _, ok := rules[0].Match(filepath.Join(dir, path)); ok != want {
			t.Errorf("Match(%s) = %v, want %v", path, ok, want)
		}
	}
}

func TestRulesRefuseTriggersThatCannotWork(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]types.ServiceConfig{
		"needs a build section":  {Name: "web", Develop: develop(types.Trigger{Path: ".", Action: types.WatchActionRebuild})},
		"needs a target":         {Name: "web", Develop: develop(types.Trigger{Path: ".", Action: types.WatchActionSync})},
		"needs exec.command":     {Name: "web", Develop: develop(types.Trigger{Path: ".", Target: "/a", Action: types.WatchActionSyncExec})},
		"is none of":             {Name: "web", Develop: develop(types.Trigger{Path: ".", Action: "copy"})},
		"privileged is not supp": {Name: "web", Develop: develop(types.Trigger{Path: ".", Target: "/a", Action: types.WatchActionSyncExec, Exec: types.ServiceHook{Command: []string{"x"}, Privileged: true}})},
	}
	for want, svc := range cases {
		_, err := Rules(project(t, dir, svc), nil)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "service web: develop.watch[0]") {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func TestRulesOfNamedServicesOnly(t *testing.T) {
	dir := t.TempDir()
	trigger := types.Trigger{Path: ".", Action: types.WatchActionRestart}
	p := project(t, dir,
		types.ServiceConfig{Name: "a", Develop: develop(trigger)},
		types.ServiceConfig{Name: "b", Develop: develop(trigger)},
		types.ServiceConfig{Name: "c"},
	)
	rules, err := Rules(p, []string{"b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Service != "b" {
		t.Errorf("rules = %+v, want b's alone", rules)
	}
	if _, err := Rules(p, []string{"nope"}); err == nil {
		t.Errorf("an unknown service is accepted")
	}
}

func TestInitialSyncListsTheFilesTheRuleActsOn(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"src/a.py", "src/sub/b.py", "src/skip.log", "src/.git/HEAD"} {
		write(t, filepath.Join(dir, name), "x")
	}
	p := project(t, dir, types.ServiceConfig{Name: "web", Develop: develop(
		types.Trigger{Path: "src", Target: "/app", Action: types.WatchActionSync, Ignore: []string{"*.log"}, InitialSync: true},
	)})
	rules, err := Rules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := InitialSync(rules[0])
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range got {
		targets = append(targets, m.ContainerPath)
	}
	if strings.Join(targets, " ") != "/app/a.py /app/sub/b.py" {
		t.Errorf("initial sync = %v", targets)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// x-initialSync, the key Compose read before initial_sync, still asks for
// one, as Compose still honours it.
func TestLegacyXInitialSyncAsksForAnInitialSync(t *testing.T) {
	dir := t.TempDir()
	p := project(t, dir, types.ServiceConfig{Name: "web", Develop: develop(
		types.Trigger{Path: "a", Target: "/a", Action: types.WatchActionSync, Extensions: types.Extensions{"x-initialSync": true}},
		types.Trigger{Path: "b", Target: "/b", Action: types.WatchActionSync, Extensions: types.Extensions{"x-initialSync": false}},
	)})
	rules, err := Rules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || !rules[0].InitialSync || rules[1].InitialSync {
		t.Errorf("rules = %+v, want an initial sync for a alone", rules)
	}
}
