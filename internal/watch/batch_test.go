package watch

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func TestPlanGathersEachServicesActionsOnce(t *testing.T) {
	dir := t.TempDir()
	hook := types.ServiceHook{Command: []string{"touch", "/tmp/reloaded"}}
	p := project(t, dir,
		types.ServiceConfig{Name: "api", WorkloadSpec: types.WorkloadSpec{Build: &types.BuildConfig{Context: dir}}, Develop: develop(
			types.Trigger{Path: "api/src", Target: "/srv", Action: types.WatchActionSyncExec, Exec: hook},
			types.Trigger{Path: "api/go.mod", Action: types.WatchActionRebuild},
		)},
		types.ServiceConfig{Name: "web", Develop: develop(
			types.Trigger{Path: "web", Target: "/app", Action: types.WatchActionSyncRestart},
		)},
	)
	rules, err := Rules(p, []string{"api", "web"})
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(dir, p) }
	batch := []string{abs("web/index.html"), abs("api/src/b.go"), abs("api/src/a.go"), abs("api/go.mod"), abs("README.md")}
	got := Plan(batch, rules)
	want := []Change{
		{
			Service: "api", Paths: []string{abs("api/go.mod"), abs("api/src/a.go"), abs("api/src/b.go")},
			Actions: []types.WatchAction{types.WatchActionSyncExec, types.WatchActionRebuild},
			Rebuild: true,
			Sync:    []Mapping{{abs("api/src/a.go"), "/srv/a.go"}, {abs("api/src/b.go"), "/srv/b.go"}},
			Execs:   []types.ServiceHook{hook},
		},
		{
			Service: "web", Paths: []string{abs("web/index.html")},
			Actions: []types.WatchAction{types.WatchActionSyncRestart},
			Sync:    []Mapping{{abs("web/index.html"), "/app/index.html"}},
			Restart: true,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Plan =\n%+v\nwant\n%+v", got, want)
	}
	if got := Plan([]string{abs("README.md")}, rules); len(got) != 0 {
		t.Errorf("a path no rule matches asks %+v", got)
	}
}
