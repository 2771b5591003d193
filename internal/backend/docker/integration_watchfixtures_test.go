package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/network"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/watch"
)

// watchFixtures is docker/compose's pkg/e2e/fixtures/watch, vendored.
const watchFixtures = "../../conformance/testdata/fixtures/watch"

// watchFixtureRun is how one fixture is run: the services brought up and
// watched (all when none), the files it needs before its first build (its
// upstream test writes them), the one change written, and what shows the
// watch acted on it.
type watchFixtureRun struct {
	services []string
	// missing are the services left out, with the image they need that
	// cannot be had offline.
	missing map[string]string
	// standIn swaps, in the copy of the file, an image that cannot be had
	// for one that can.
	standIn        map[string]string
	before, change map[string]string
	acted          func(e *itgEnv, ctx context.Context) bool
}

var watchFixtureRuns = map[string]watchFixtureRun{
	"compose.yaml": {
		services: []string{"alpine", "busybox"},
		missing:  map[string]string{"debian": "debian:latest"},
		change:   map[string]string{"data/new.txt": "new"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			a, _ := e.readIn(ctx, e.project+"-alpine-1", "/app/data/new.txt")
			b, _ := e.readIn(ctx, e.project+"-busybox-1", "/app/data/new.txt")
			return a == "new" && b == "new"
		},
	},
	"exec.yaml": {
		change: map[string]string{"new.txt": "new"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			got, _ := e.readIn(ctx, e.project+"-test-1", "/data/new.txt")
			return got == "new" && e.reportedBy("test", "ran echo SUCCESS")
		},
	},
	"x-initialSync.yaml": {
		change: map[string]string{"new.txt": "new"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			got, _ := e.readIn(ctx, e.project+"-test-1", "/data/new.txt")
			return got == "new" && e.reportedBy("test", "initial sync") && e.reportedBy("test", "ran echo SUCCESS")
		},
	},
	"include.yaml": {
		standIn: map[string]string{"FROM nginx\n": "FROM nginx:1.22\n"},
		change:  map[string]string{"B.txt": "not included", "A.txt": "included"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			got, _ := e.readIn(ctx, e.project+"-a-1", "/data/A.txt")
			_, other := e.readIn(ctx, e.project+"-a-1", "/data/B.txt")
			return got == "included" && !other
		},
	},
	"rebuild.yaml": {
		standIn: map[string]string{"FROM nginx\n": "FROM nginx:1.22\n"},
		before:  map[string]string{"test": "v1"},
		change:  map[string]string{"test": "v2"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			for _, s := range []string{"a", "b", "c"} {
				if got, _ := e.readIn(ctx, e.project+"-"+s+"-1", "/data/"+s); got != "v2" {
					return false
				}
			}
			return true
		},
	},
	"rebuild-deps.yaml": {
		standIn: map[string]string{"FROM nginx:alpine\n": "FROM nginx:1.22\n"},
		before:  map[string]string{"test": "v1"},
		change:  map[string]string{"test": "v2"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			got, _ := e.readIn(ctx, e.project+"-frontend-1", "/tmp/test")
			return got == "v2"
		},
	},
	"symlink.yaml": {
		change: map[string]string{"data/sub/file.txt": "through the link"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			got, _ := e.readIn(ctx, e.project+"-app-1", "/var/sub/file.txt")
			return got == "through the link"
		},
	},
	"with-external-network.yaml": {
		change: map[string]string{".env": "CHANGED=1\n"},
		acted: func(e *itgEnv, ctx context.Context) bool {
			return e.reportedBy("ext-alpine", "rebuilt")
		},
	},
}

// Each of Compose's watch fixtures loads, gives its develop.watch rules,
// comes up, and one change to a file it watches is acted on. Images that
// cannot be had offline are left out (compose.yaml's debian) or stood in
// for (nginx and nginx:alpine by nginx:1.22, in a copy of the file).
func TestWatchRunsComposeWatchFixtures(t *testing.T) {
	entries, err := os.ReadDir(watchFixtures)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, entry := range entries {
		if filepath.Ext(entry.Name()) == ".yaml" {
			files = append(files, entry.Name())
		}
	}
	for _, name := range files {
		run, ok := watchFixtureRuns[name]
		if !ok {
			t.Errorf("the watch fixture %s has no run here", name)
			continue
		}
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			itgParallel(t)
			e := newItgEnv(t)
			ctx := enginetest.Context(t, 5*time.Minute)
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(watchFixtures)); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name)
			for from, to := range run.standIn {
				data, err := os.ReadFile(file)
				if err != nil || !strings.Contains(string(data), from) {
					t.Fatalf("%s does not say %q, the image stood in for (%v)", name, from, err)
				}
				writeIn(t, dir, name, strings.ReplaceAll(string(data), from, to))
			}
			for path, content := range run.before {
				writeIn(t, dir, path, content)
			}
			if name == "with-external-network.yaml" {
				e.externalNetwork(ctx, "e2e-watch-external_network_test")
			}
			st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, ProjectName: e.project})
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			if err := st.ApplyShape(stack.Shape{}); err != nil {
				t.Fatal(err)
			}
			e.cleanupProject(st)
			rules, err := watch.Rules(st.Source, run.services)
			if err != nil || len(rules) == 0 {
				t.Fatalf("the develop.watch rules of %s: %v, %v", name, rules, err)
			}
			for svc, ref := range run.missing {
				if _, _, err := e.api.ImageInspectWithRaw(ctx, ref); err == nil {
					t.Errorf("service %s's %s is on the engine now: run it too", svc, ref)
				}
				t.Logf("not run: service %s, whose image %s cannot be had offline", svc, ref)
			}
			e.up(ctx, st, backend.UpOptions{Services: run.services, WaitTimeout: 90 * time.Second})
			e.watching(ctx, st, run.services...)
			for path, content := range run.change {
				writeIn(t, dir, path, content)
			}
			eventually(t, "the change to "+name+" acted on", func() bool { return run.acted(e, ctx) })
		})
	}
}

// reportedBy says whether service's progress has a line whose status
// holds word.
func (e *itgEnv) reportedBy(service, word string) bool {
	return slices.ContainsFunc(e.events.Events(), func(ev progress.Event) bool {
		return ev.Resource == "service "+service && strings.Contains(ev.Status, word)
	})
}

// externalNetwork makes the external network a fixture names, unless it is
// there, and removes it after the test when it made it.
func (e *itgEnv) externalNetwork(ctx context.Context, name string) {
	e.t.Helper()
	if _, err := e.api.NetworkInspect(ctx, name, network.InspectOptions{}); err == nil {
		return
	}
	if _, err := e.api.NetworkCreate(ctx, name, network.CreateOptions{}); err != nil {
		e.t.Fatalf("create the external network %s: %v", name, err)
	}
	e.t.Cleanup(func() {
		if err := e.api.NetworkRemove(context.Background(), name); err != nil {
			e.t.Errorf("remove the external network %s: %v", name, err)
		}
	})
}
