package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/docker/docker/api/types/mount"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

var anonymousVolume = regexp.MustCompile(`^[0-9a-f]{64}$`)

// A path the image declares with VOLUME (redis:7's /data), and an
// anonymous volume of the file, get volumes the project names and owns:
// no container of the project mounts an anonymous one, the data survives
// a replacement and a down/up, and down -v removes them.
func TestUnnamedVolumesBecomeProjectVolumes(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte("services:\n  kv:\n    image: redis:7\n    volumes: [/scratch]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(command string) *stack.Stack {
		st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, ProjectName: e.project})
		if err != nil {
			t.Fatal(err)
		}
		kv, _ := st.Service("kv")
		kv.Command = []string{"redis-server", command}
		return st
	}
	st := load("--save 3600 1")
	e.cleanupProject(st)
	e.up(ctx, st, backend.UpOptions{})
	kv := e.inspect(ctx, e.project+"-kv-1")
	e.awaitRedis(ctx, kv.ID)
	if got := e.exec(ctx, kv.ID, "sh", "-c", "redis-cli set greeting kept >/dev/null && redis-cli save"); got != "OK" {
		t.Fatalf("redis save: %q", got)
	}
	assertNamedMounts := func(when string) {
		t.Helper()
		raw, err := e.api.ContainerInspect(ctx, e.project+"-kv-1")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"/data": e.project + "_kv-1_data", "/scratch": e.project + "_kv-1_scratch"}
		for _, m := range raw.Mounts {
			if m.Type != mount.TypeVolume {
				continue
			}
			if anonymousVolume.MatchString(m.Name) || want[m.Destination] != m.Name {
				t.Errorf("%s: %s is volume %q, want %q", when, m.Destination, m.Name, want[m.Destination])
			}
			delete(want, m.Destination)
		}
		if len(want) > 0 {
			t.Errorf("%s: no volume mounted at %v", when, want)
		}
	}
	assertNamedMounts("first up")

	// A changed command replaces the container; the data stays.
	st = load("--save 1800 1")
	e.up(ctx, st, backend.UpOptions{})
	kv = e.inspect(ctx, e.project+"-kv-1")
	e.awaitRedis(ctx, kv.ID)
	if got := e.exec(ctx, kv.ID, "redis-cli", "get", "greeting"); got != "kept" {
		t.Errorf("after a replacement greeting = %q, want kept", got)
	}
	assertNamedMounts("replacement")

	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cli.VolumeInspect(ctx, e.project+"_kv-1_data"); err != nil {
		t.Errorf("down without -v removed the data volume: %v", err)
	}
	e.up(ctx, st, backend.UpOptions{})
	kv = e.inspect(ctx, e.project+"-kv-1")
	e.awaitRedis(ctx, kv.ID)
	if got := e.exec(ctx, kv.ID, "redis-cli", "get", "greeting"); got != "kept" {
		t.Errorf("after down and up greeting = %q, want kept", got)
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{e.project + "_kv-1_data", e.project + "_kv-1_scratch"} {
		if _, err := e.cli.VolumeInspect(ctx, name); !itgNotFound(err) {
			t.Errorf("down -v left volume %s: %v", name, err)
		}
	}
}

// awaitRedis waits until the redis in container id answers: the service
// has no healthcheck, so up returns once it started, maybe before redis
// listens or has loaded its data.
func (e *itgEnv) awaitRedis(ctx context.Context, id string) {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := e.exec(ctx, id, "redis-cli", "ping")
		if got == "PONG" {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("redis in %s does not answer: %q", id, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
