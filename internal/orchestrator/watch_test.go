package orchestrator

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/watch"
)

// Each change gets one line: the files relative to the project (three,
// then how many more), what was done, and how long until the service
// served again; its event carries the same as fields.
func TestChangeEventSaysFilesActionAndTime(t *testing.T) {
	st := &stack.Stack{Source: &types.Project{WorkingDir: "/p"}}
	hook := types.ServiceHook{Command: []string{"true"}}
	for _, tc := range []struct {
		name   string
		change watch.Change
		done   []string
		took   time.Duration
		err    error
		status string
		detail string
		level  string
		want   progress.Change
	}{
		{
			name:   "rebuild",
			change: watch.Change{Service: "web", Paths: []string{"/p/main.go"}, Actions: []types.WatchAction{types.WatchActionRebuild}, Rebuild: true},
			done:   []string{"rebuilt"}, took: 4240 * time.Millisecond,
			status: "rebuilt", detail: "main.go: serving again after 4.2s", level: "info",
			want: progress.Change{Service: "web", Action: "rebuild", Files: []string{"main.go"}, DurationMS: 4240, Outcome: progress.Serving},
		},
		{
			name: "sync of five files",
			change: watch.Change{Service: "web", Paths: []string{"/p/s/a", "/p/s/b", "/p/s/c", "/p/s/d", "/p/s/e"}, Actions: []types.WatchAction{types.WatchActionSync},
				Sync: []watch.Mapping{{HostPath: "/p/s/a", ContainerPath: "/a"}}},
			done: []string{"synced"}, took: 42 * time.Millisecond,
			status: "synced", detail: "s/a, s/b, s/c +2 more: in 42ms", level: "info",
			want: progress.Change{Service: "web", Action: "sync", Files: []string{"s/a", "s/b", "s/c", "s/d", "s/e"}, DurationMS: 42, Outcome: progress.Serving},
		},
		{
			name: "sync+restart and sync+exec, a file outside the project",
			change: watch.Change{Service: "api", Paths: []string{"/elsewhere/x"}, Actions: []types.WatchAction{types.WatchActionSyncRestart, types.WatchActionSyncExec},
				Sync: []watch.Mapping{{HostPath: "/elsewhere/x", ContainerPath: "/x"}}, Restart: true, Execs: []types.ServiceHook{hook}},
			done: []string{"synced", "restarted", "ran true"}, took: 1500 * time.Millisecond,
			status: "synced, restarted, ran true", detail: "/elsewhere/x: serving again after 1.5s", level: "info",
			want: progress.Change{Service: "api", Action: "sync+restart,sync+exec", Files: []string{"/elsewhere/x"}, DurationMS: 1500, Outcome: progress.Serving},
		},
		{
			name:   "failed build",
			change: watch.Change{Service: "web", Paths: []string{"/p/Dockerfile"}, Actions: []types.WatchAction{types.WatchActionRebuild}, Rebuild: true},
			took:   900 * time.Millisecond, err: errors.New("rebuild: build image web failed at Step 2/2 : RUN false: exit 1"),
			status: "watch failed", detail: "Dockerfile: rebuild: build image web failed at Step 2/2 : RUN false: exit 1", level: "error",
			want: progress.Change{Service: "web", Action: "rebuild", Files: []string{"Dockerfile"}, DurationMS: 900, Outcome: progress.Failed,
				Error: "rebuild: build image web failed at Step 2/2 : RUN false: exit 1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := changeEvent(st, tc.change, tc.done, tc.took, tc.err)
			if ev.Resource != "service "+tc.change.Service || ev.Status != tc.status || ev.Detail != tc.detail || ev.Level != tc.level {
				t.Errorf("event %q %q %q %q, want %q %q %q %q", ev.Resource, ev.Status, ev.Detail, ev.Level, "service "+tc.change.Service, tc.status, tc.detail, tc.level)
			}
			if ev.Change == nil || !reflect.DeepEqual(*ev.Change, tc.want) {
				t.Errorf("change %+v, want %+v", ev.Change, tc.want)
			}
		})
	}
}
