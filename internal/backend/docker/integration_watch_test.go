package docker_test

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// watchFile is a service with every action but rebuild: src syncs into
// /app (logs ignored) from the start, hook.txt syncs and runs its exec,
// restart.txt restarts it.
const watchFile = `
services:
  app:
    image: busybox:latest
    command: ["sleep", "3600"]
    init: true
    develop:
      watch:
        - path: ./src
          target: /app
          action: sync
          ignore: ["*.log"]
          initial_sync: true
        - path: ./hook.txt
          target: /hook/hook.txt
          action: sync+exec
          exec:
            command: ["sh", "-c", "cat /hook/hook.txt >> /hook/ran"]
        - path: ./restart.txt
          action: restart
`

// watching runs Watch on the stack until the test ends, and returns once
// every path is watched; stop ends it and returns what it returned.
func (e *itgEnv) watching(ctx context.Context, st *stack.Stack, services ...string) (stop func() error) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.orch.Watch(ctx, st, orchestrator.WatchOptions{
			Services: services, Quiet: 100 * time.Millisecond, Watching: func() { close(ready) },
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		e.t.Fatalf("watch ended before it began: %v", err)
	}
	var result error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	e.t.Cleanup(func() { _ = stop() })
	return stop
}

// readIn is the content of the container's file, through the archive API;
// false when it is not there.
func (e *itgEnv) readIn(ctx context.Context, ref, path string) (string, bool) {
	rc, _, err := e.api.CopyFromContainer(ctx, ref, path)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		return "", false
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// reported says whether service app's progress has a line whose status
// holds word.
func (e *itgEnv) reported(word string) bool {
	for _, ev := range e.events.Events() {
		if ev.Resource == "service app" && strings.Contains(ev.Status, word) {
			return true
		}
	}
	return false
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 60s: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func writeIn(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatchSyncsDeletesRestartsAndExecsAsFilesChange(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st, file := e.composeStack(ctx, watchFile)
	dir := filepath.Dir(file)
	writeIn(t, dir, "src/before.txt", "there before the watch")
	e.up(ctx, st, backend.UpOptions{})
	ref := e.project + "-app-1"
	stop := e.watching(ctx, st)

	if got, ok := e.readIn(ctx, ref, "/app/before.txt"); !ok || got != "there before the watch" {
		t.Errorf("initial_sync: /app/before.txt = %q, %v", got, ok)
	}

	t.Run("sync", func(t *testing.T) {
		writeIn(t, dir, "src/before.txt", "changed")
		writeIn(t, dir, "src/new/deep.txt", "new")
		eventually(t, "the changed and new files synced", func() bool {
			a, _ := e.readIn(ctx, ref, "/app/before.txt")
			b, _ := e.readIn(ctx, ref, "/app/new/deep.txt")
			return a == "changed" && b == "new"
		})
	})
	t.Run("delete", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, "src/before.txt")); err != nil {
			t.Fatal(err)
		}
		eventually(t, "/app/before.txt deleted in the container", func() bool {
			_, ok := e.readIn(ctx, ref, "/app/before.txt")
			return !ok
		})
	})
	t.Run("ignore", func(t *testing.T) {
		writeIn(t, dir, "src/debug.log", "ignored")
		writeIn(t, dir, "src/marker.txt", "after the log")
		eventually(t, "the marker written after the ignored file synced", func() bool {
			_, ok := e.readIn(ctx, ref, "/app/marker.txt")
			return ok
		})
		if _, ok := e.readIn(ctx, ref, "/app/debug.log"); ok {
			t.Errorf("debug.log matches ignore *.log and was synced")
		}
	})
	t.Run("sync+exec", func(t *testing.T) {
		writeIn(t, dir, "hook.txt", "hooked\n")
		eventually(t, "the exec ran after the sync", func() bool {
			ran, _ := e.readIn(ctx, ref, "/hook/ran")
			return ran == "hooked\n"
		})
	})
	t.Run("restart", func(t *testing.T) {
		before := e.inspect(ctx, ref)
		writeIn(t, dir, "restart.txt", "restart")
		eventually(t, "the container restarted", func() bool {
			now := e.inspect(ctx, ref)
			return now.ID == before.ID && now.Status == "running" && now.StartedAt.After(before.StartedAt)
		})
		eventually(t, "the restart reported", func() bool { return e.reported("restarted") })
	})

	if err := stop(); err != nil {
		t.Errorf("watch ended with %v, want nil once its context ends", err)
	}
	if c := e.inspect(ctx, ref); c.Status != "running" {
		t.Errorf("after the watch ended, %s is %s, want running", ref, c.Status)
	}
	var lines []string
	for _, ev := range e.events.Events() {
		if ev.Resource == "service app" {
			lines = append(lines, ev.Status+" "+ev.Detail)
		}
	}
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"synced", "restarted", "ran sh -c", "src/marker.txt"} {
		if !strings.Contains(joined, want) {
			t.Errorf("progress lines of service app say nothing of %q:\n%s", want, joined)
		}
	}
}

// upVersioned brings up content, whose app is built from a busybox image
// holding /version.txt, v1 at first; it returns the stack, its directory
// and app's container.
func (e *itgEnv) upVersioned(ctx context.Context, content string) (st *stack.Stack, dir, ref string) {
	e.t.Helper()
	st, file := e.composeStack(ctx, content)
	dir = filepath.Dir(file)
	writeIn(e.t, dir, "Dockerfile", "FROM busybox:latest\nCOPY version.txt /version.txt\n")
	writeIn(e.t, dir, "version.txt", "v1")
	e.up(ctx, st, backend.UpOptions{})
	return st, dir, e.project + "-app-1"
}

const rebuildFile = `
services:
  app:
    build: .
    command: ["sleep", "3600"]
    init: true
    develop:
      watch:
        - path: .
          action: rebuild
          ignore: ["notes/"]
`

func TestWatchRebuildReplacesTheContainerWithTheNewImage(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st, dir, ref := e.upVersioned(ctx, rebuildFile)
	before := e.inspect(ctx, ref)
	e.watching(ctx, st)
	// app has no healthcheck: the output says, before any change, that a
	// rebuild may fail requests.
	if !e.reported("rebuilds unprobed") {
		t.Error("watch did not warn that app's rebuilds are unprobed")
	}

	writeIn(t, dir, "notes/todo.txt", "ignored: no rebuild")
	writeIn(t, dir, "version.txt", "v2")
	eventually(t, "the container replaced by one of the rebuilt image", func() bool {
		got, _ := e.readIn(ctx, ref, "/version.txt")
		return got == "v2"
	})
	eventually(t, "the rebuild reported", func() bool { return e.reported("rebuilt") })
	after := e.inspect(ctx, ref)
	if after.ID == before.ID || after.ImageID == before.ImageID {
		t.Errorf("rebuild kept container %s / image %s", after.ID, after.ImageID)
	}
	rebuilt := 0
	for _, ev := range e.events.Events() {
		if ev.Resource == "service app" && strings.HasPrefix(ev.Status, "rebuilt") {
			rebuilt++
			if strings.Contains(ev.Detail, "notes/") {
				t.Errorf("an ignored path is among the rebuild's changes: %s", ev.Detail)
			}
		}
	}
	if rebuilt != 1 {
		t.Errorf("%d rebuilds reported, want 1", rebuilt)
	}

	// A build that fails leaves the running container as it is.
	writeIn(t, dir, "Dockerfile", "FROM busybox:latest\nRUN false\n")
	eventually(t, "the failed rebuild reported", func() bool { return e.reported("watch failed") })
	if now := e.inspect(ctx, ref); now.ID != after.ID || now.Status != "running" {
		t.Errorf("after a failed build, %s is %s %s, want %s running", ref, now.ID, now.Status, after.ID)
	}
}

// Ctrl-C ends `up --watch` with success, and the stack keeps running.
func TestWatchCLIInterruptedLeavesTheStackRunning(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st, file := e.composeStack(ctx, watchFile)
	writeIn(t, filepath.Dir(file), "src/a.txt", "a")
	cli := itgBuildCLI(t, e.project, nil)
	cli.dir = filepath.Dir(file)
	lines, err := cli.signalAt(t, ctx, os.Interrupt, []string{"stack " + st.ProjectName(), "watching", "src, hook.txt, restart.txt"}, "up", "--watch")
	if err != nil {
		t.Fatalf("up --watch interrupted: %v\n%s", err, strings.Join(lines, "\n"))
	}
	if !strings.Contains(strings.Join(lines, "\n"), "watch ended") {
		t.Errorf("up --watch did not say the watch ended:\n%s", strings.Join(lines, "\n"))
	}
	if c := e.inspect(ctx, e.project+"-app-1"); c.Status != "running" {
		t.Errorf("after Ctrl-C, the container is %s, want running", c.Status)
	}
}

// slowReadyFile rebuilds app, whose containers become healthy two seconds
// after they start: long enough for the watch to end mid-replacement.
const slowReadyFile = `
services:
  app:
    build: .
    command: ["sh", "-c", "rm -f /tmp/ready; sleep 2; touch /tmp/ready; exec sleep 3600"]
    init: true
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
    develop:
      watch:
        - path: ./version.txt
          action: rebuild
`

// Ending the watch (Ctrl-C) while a rebuilt image replaces the service's
// container finishes the replacement: the watch ends with the service
// running the new image, one container, nothing left of the old one.
func TestWatchEndedMidRebuildFinishesTheReplacement(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st, dir, ref := e.upVersioned(ctx, slowReadyFile)
	stop := e.watching(ctx, st)

	creating := func() int {
		n := 0
		for _, ev := range e.events.Events() {
			if ev.Resource == "container "+ref && ev.Status == "creating" {
				n++
			}
		}
		return n
	}
	before := creating()
	writeIn(t, dir, "version.txt", "v2")
	eventually(t, "the rebuilt image's container being created", func() bool { return creating() > before })
	if err := stop(); err != nil {
		t.Fatalf("watch ended mid-replacement with %v, want nil", err)
	}

	if !e.reported("rebuilt") {
		t.Error("the replacement under way when the watch ended was not reported as rebuilt")
	}
	if names := e.projectContainers(ctx); len(names) != 1 || names[0] != ref {
		t.Errorf("after the watch ended mid-replacement, the project has containers %v, want only %s", names, ref)
	}
	if c := e.inspect(ctx, ref); c.Status != "running" {
		t.Errorf("%s is %s, want running", ref, c.Status)
	}
	if got, _ := e.readIn(ctx, ref, "/version.txt"); got != "v2" {
		t.Errorf("%s holds version %q, want the rebuilt v2", ref, got)
	}
}

// Compose's watch flags: --quiet hides the build's steps (not that it
// built), --prune=false keeps the image the rebuild replaced.
func TestWatchCLIQuietAndNoPrune(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	_, dir, ref := e.upVersioned(ctx, rebuildFile)
	replaced := e.inspect(ctx, ref).ImageID
	cli := itgBuildCLI(t, e.project, nil)
	cli.dir = dir
	wrote := false
	lines, err := cli.signalWhen(t, ctx, os.Interrupt, func(line string) bool {
		if !wrote && strings.Contains(line, "watching") {
			wrote = true
			writeIn(t, dir, "version.txt", "v2")
		}
		return strings.Contains(line, "service app") && strings.Contains(line, "rebuilt")
	}, "--progress", "plain", "watch", "--no-up", "--quiet", "--prune=false")
	out := strings.Join(lines, "\n")
	if err != nil {
		t.Fatalf("watch --quiet --prune=false: %v\n%s", err, out)
	}
	if got, _ := e.readIn(ctx, ref, "/version.txt"); got != "v2" {
		t.Errorf("%s holds %q after the rebuild, want v2", ref, got)
	}
	for _, line := range lines {
		if strings.Contains(line, "building") {
			t.Errorf("--quiet shows a build step: %s", line)
		}
	}
	if !strings.Contains(out, "built") {
		t.Errorf("--quiet hid that the image was built:\n%s", out)
	}
	if strings.Contains(out, "image pruned") {
		t.Errorf("--prune=false pruned the replaced image:\n%s", out)
	}
	// The containerd image store drops an image whose last name moved
	// itself; the classic store keeps it, dangling, unless watch prunes.
	if _, _, err := e.api.ImageInspectWithRaw(ctx, replaced); err != nil && !e.containerdImageStore(ctx) {
		t.Errorf("--prune=false: the replaced image %s is gone: %v", replaced, err)
	}
}
