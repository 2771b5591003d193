package docker_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// watchEdgeFile is a web server behind stackctl's edge, with a
// healthcheck, rebuilt by watch when its page or its Dockerfile changes.
const watchEdgeFile = `
services:
  web:
    build: .
    init: true
    ports: ["0:8080"]
    stop_grace_period: 2s
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 2s
      retries: 3
    x-stackctl:
      edge: always
    develop:
      watch:
        - path: ./www
          action: rebuild
        - path: ./Dockerfile
          action: rebuild
`

const watchEdgeDockerfile = "FROM busybox:latest\nCOPY www /www\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n"

// A rebuild behind the edge replaces web start-first under a client loop
// that sees no failed request, reports the change with its files, action
// and time, and removes the image it replaced; a build that fails keeps
// the running container serving and reports the failing step; fixing the
// file rebuilds again, and an image that still has a tag is kept.
func TestWatchRebuildBehindTheEdgeDropsNoRequestAndAFailedBuildKeepsServing(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st, dir, res := e.upBuiltWeb(ctx, watchEdgeFile)
	port := rollEdgePort(t, res)
	web := e.project + "-web-1"
	e.watching(ctx, st)
	serves := func(want string) func() bool {
		return func() bool { return edgeBody(port) == want }
	}

	first := e.inspect(ctx, web)
	t.Run("rebuild under load", func(t *testing.T) {
		load := startLoad(port)
		written := time.Now()
		moveIn(t, dir, "www/index.html", "v2")
		eventually(t, "the edge serves the rebuilt page", serves("v2"))
		t.Logf("from the write to the first answer with the change: %s", time.Since(written).Round(time.Millisecond))
		change := e.awaitChange(t, "web", 1)
		load.Finish(t, "a watch rebuild behind the edge")
		if change.Outcome != progress.Serving || change.Action != "rebuild" || strings.Join(change.Files, ",") != "www/index.html" || change.DurationMS <= 0 {
			t.Errorf("the rebuild's change event is %+v, want web's rebuild of www/index.html, serving, with its duration", change)
		}
		t.Logf("the rebuild's change event: %+v", change)
		now := e.inspect(ctx, web)
		if now.ID == first.ID || now.ImageID == first.ImageID {
			t.Errorf("web kept container %s / image %s", now.ID, now.ImageID)
		}
		// The replaced image goes once the change is reported: watch
		// removes it where the engine keeps a dangling image (its own
		// image store); the containerd image store drops it itself once
		// no container uses it.
		eventually(t, "the replaced image gone", func() bool {
			_, _, err := e.api.ImageInspectWithRaw(ctx, first.ImageID)
			return cerrdefs.IsNotFound(err)
		})
		pruned := slices.ContainsFunc(e.events.Events(), func(ev progress.Event) bool {
			return ev.Resource == "service web" && ev.Status == "image pruned" && strings.Contains(ev.Detail, strings.TrimPrefix(first.ImageID, "sha256:")[:12])
		})
		if containerdStore := e.containerdImageStore(ctx); !pruned && !containerdStore {
			t.Errorf("no progress line says the replaced image %s was pruned", first.ImageID)
		} else {
			t.Logf("the replaced image is gone (the containerd image store: %v; pruned by watch: %v)", containerdStore, pruned)
		}
	})

	second := e.inspect(ctx, web)
	t.Run("failed build keeps serving", func(t *testing.T) {
		load := startLoad(port)
		moveIn(t, dir, "Dockerfile", "FROM busybox:latest\nCOPY www /www\nRUN echo breaking-step && exit 3\n")
		change := e.awaitChange(t, "web", 2)
		if change.Outcome != progress.Failed || !strings.Contains(change.Error, "RUN echo breaking-step") {
			t.Errorf("the failed build's change event is %+v, want failed, naming the step RUN echo breaking-step", change)
		}
		var line string
		for _, ev := range e.events.Events() {
			if ev.Change == change {
				line = ev.Status + "  " + strings.SplitN(ev.Detail, "\n", 2)[0]
			}
		}
		if !strings.Contains(line, "watch failed") || !strings.Contains(line, "Dockerfile: ") || !strings.Contains(line, "RUN echo breaking-step") {
			t.Errorf("the failure's line (its first line, as a pipe shows it) is %q, want the file and the failing step", line)
		}
		t.Logf("the failure's line: %s", line)
		time.Sleep(2 * time.Second) // keep the load on the old container a while
		load.Finish(t, "a failed watch rebuild behind the edge")
		if now := e.inspect(ctx, web); now.ID != second.ID || now.Status != "running" {
			t.Errorf("after a failed build web is %s %s, want %s running", now.ID, now.Status, second.ID)
		}
		if body := edgeBody(port); body != "v2" {
			t.Errorf("after a failed build the edge serves %q, want v2", body)
		}
	})

	t.Run("fixed build goes through", func(t *testing.T) {
		// An image with a tag of its own is no longer dangling once the
		// rebuild moves the service's: it must be kept.
		keep := "wedge-keep-" + e.project + ":1"
		if err := e.api.ImageTag(ctx, second.ImageID, keep); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = e.api.ImageRemove(context.Background(), keep, image.RemoveOptions{}) })
		load := startLoad(port)
		moveIn(t, dir, "www/index.html", "v3")
		moveIn(t, dir, "Dockerfile", watchEdgeDockerfile)
		eventually(t, "the edge serves the page of the fixed build", serves("v3"))
		change := e.awaitChange(t, "web", 3)
		load.Finish(t, "the rebuild after the fix")
		if change.Outcome != progress.Serving {
			t.Errorf("the fixed build's change event is %+v, want serving", change)
		}
		// The batch holds the project's lock until its prune is done.
		unlock, err := e.orch.Lock(ctx, st.Project, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		if _, _, err := e.api.ImageInspectWithRaw(ctx, second.ImageID); err != nil {
			t.Errorf("the replaced image %s, tagged %s, was removed: %v", second.ImageID, keep, err)
		}
	})
}

// upBuiltWeb loads content, whose web builds watchEdgeDockerfile, writes
// that and a first page (v1) beside it, and brings the stack up; it
// returns the project's directory too.
func (e *itgEnv) upBuiltWeb(ctx context.Context, content string) (*stack.Stack, string, orchestrator.UpResult) {
	e.t.Helper()
	st, file := e.composeStack(ctx, content)
	dir := filepath.Dir(file)
	writeIn(e.t, dir, "Dockerfile", watchEdgeDockerfile)
	writeIn(e.t, dir, "www/index.html", "v1")
	return st, dir, e.up(ctx, st, backend.UpOptions{WaitTimeout: 90 * time.Second})
}

// containerdImageStore says whether the engine keeps its images in
// containerd's store (Docker 29's default), where a tag moved off an
// image leaves no dangling image once no container uses it.
func (e *itgEnv) containerdImageStore(ctx context.Context) bool {
	e.t.Helper()
	info, err := e.api.Info(ctx)
	if err != nil {
		e.t.Fatalf("engine info: %v", err)
	}
	return slices.ContainsFunc(info.DriverStatus, func(kv [2]string) bool {
		return kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1"
	})
}

// awaitChange waits for the service's n-th change event and returns it.
func (e *itgEnv) awaitChange(t *testing.T, service string, n int) *progress.Change {
	t.Helper()
	var found *progress.Change
	eventually(t, fmt.Sprintf("change %d of service %s reported", n, service), func() bool {
		seen := 0
		for _, ev := range e.events.Events() {
			if ev.Change != nil && ev.Change.Service == service {
				if seen++; seen == n {
					found = ev.Change
					return true
				}
			}
		}
		return false
	})
	return found
}

// edgeBody is what GET / through the edge answers, or the error.
func edgeBody(port int) string {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// moveIn writes the file under dir by moving a whole new one onto it, so
// that a watch never sees it emptied, which a write in place shows for a
// moment (a change, and a rebuild, of its own).
func moveIn(t *testing.T, dir, name, content string) {
	t.Helper()
	staged := filepath.Join(dir, ".staged", filepath.Base(name))
	writeIn(t, dir, filepath.Join(".staged", filepath.Base(name)), content)
	if err := os.Rename(staged, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}
