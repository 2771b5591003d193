package orchestrator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// syncRefuser is a backend that cannot copy files into its instances; any
// other verb panics on the nil Backend, so a test that passes shows the
// refusal asked the engine nothing.
type syncRefuser struct {
	backend.Backend
	refusal error
}

func (s syncRefuser) SyncRefusal() error { return s.refusal }

var errNoSync = errors.New("no sync on this backend")

// refuseFile has a service of each kind: web rebuilds and syncs, worker
// restarts and syncs with an exec, plain has no develop.watch.
const refuseFile = `
services:
  web:
    build: .
    develop:
      watch:
        - path: ./src
          action: rebuild
        - path: ./static
          target: /www
          action: sync
  worker:
    image: busybox:latest
    develop:
      watch:
        - path: ./conf
          action: restart
        - path: ./jobs
          target: /jobs
          action: sync+exec
          exec:
            command: ["true"]
  builder:
    build: .
    develop:
      watch:
        - path: ./src
          action: rebuild
  plain:
    image: busybox:latest
`

func loadRefuseStack(t *testing.T) *stack.Stack {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"compose.yaml": refuseFile, "Dockerfile": "FROM busybox:latest\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := stack.Load(t.Context(), stack.LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}, ProjectName: "refuse"})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// On a backend that cannot sync, a watch with sync triggers is refused up
// front, naming every sync trigger of the watched services (service,
// action, path) and none of their rebuild or restart triggers; a watch of
// services that only rebuild or restart goes ahead.
func TestCheckWatchRefusesEverySyncTriggerOfTheWatchedServices(t *testing.T) {
	st := loadRefuseStack(t)
	o := New(syncRefuser{refusal: errNoSync}, nil)
	for _, tt := range []struct {
		services       []string
		named, unnamed []string
	}{
		{nil, []string{"service web: sync of static", "service worker: sync+exec of jobs"}, []string{"src", "conf"}},
		{[]string{"web"}, []string{"service web: sync of static"}, []string{"worker", "src"}},
		{[]string{"worker", "builder"}, []string{"service worker: sync+exec of jobs"}, []string{"web", "conf"}},
	} {
		err := o.CheckWatch(st, tt.services)
		if !errors.Is(err, errNoSync) {
			t.Errorf("watch %v: %v, want the backend's refusal", tt.services, err)
			continue
		}
		for _, want := range tt.named {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("watch %v: %q does not name %q", tt.services, err, want)
			}
		}
		for _, not := range tt.unnamed {
			if strings.Contains(err.Error(), not) {
				t.Errorf("watch %v: %q names %q, which is no sync trigger of the watched services", tt.services, err, not)
			}
		}
	}
	for _, services := range [][]string{{"builder"}, {"builder", "plain"}} {
		if err := o.CheckWatch(st, services); err != nil {
			t.Errorf("watch %v, which only rebuilds: %v", services, err)
		}
	}
	if err := New(syncRefuser{}, nil).CheckWatch(st, nil); err != nil {
		t.Errorf("a backend that can sync: %v", err)
	}
}

// Watch refuses the syncs before it looks at the files or the engine.
func TestWatchRefusesSyncTriggersBeforeItStarts(t *testing.T) {
	st := loadRefuseStack(t)
	err := New(syncRefuser{refusal: errNoSync}, nil).Watch(context.Background(), st, WatchOptions{Services: []string{"worker"}})
	if !errors.Is(err, errNoSync) || !strings.Contains(err.Error(), "service worker: sync+exec of jobs") {
		t.Errorf("watch of worker: %v, want the refusal naming its sync+exec trigger", err)
	}
}
