package docker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/startgate"
)

// apiWrites is the engine, counting what is written into volumes through
// its archive API: gate markers, and containers made to write secrets or
// the gate's binary.
type apiWrites struct {
	*engine.Client
	markers, writers atomic.Int32
}

func (a *apiWrites) CopyFiles(ctx context.Context, ref, dir string, files map[string][]byte) error {
	if dir == startgate.MarkerDir {
		a.markers.Add(1)
	}
	return a.Client.CopyFiles(ctx, ref, dir, files)
}

func (a *apiWrites) ContainerCreate(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	if strings.HasSuffix(spec.Name, "-writer") {
		a.writers.Add(1)
	}
	return a.Client.ContainerCreate(ctx, spec)
}

// On this machine's engine, a service's secrets, the gate's binary and the
// marker that opens the gate are written through the volumes' directories,
// not the archive API, and the service behind the gate runs and reads its
// secret.
func TestUpWritesSecretsAndOpensGatesThroughTheHostsFilesOnALocalEngine(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	if !e.cli.IsLocal() {
		t.Fatal("volumes are written through this machine's files only on a local engine: run this test against one")
	}
	writes := &apiWrites{Client: e.cli}
	e.orch = newOrchestrator(t, writes, e.events)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token.txt"), []byte("t0ken"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := e.loadFile(ctx, fmt.Sprintf(`services:
  first:
    image: redis:7
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 1m
  second:
    image: redis:7
    secrets: [token]
    depends_on:
      first:
        condition: service_healthy
secrets:
  token:
    file: %s/token.txt
`, dir))
	e.cleanupProject(st)
	e.up(ctx, st, orchestrator.UpOptions{})

	second := e.project + "-second-1"
	if c := e.inspect(ctx, second); c.Labels["io.stackctl.gate"] == "" {
		t.Fatalf("%s was not started at a gate: the test opens none", second)
	}
	if n := writes.markers.Load(); n != 0 {
		t.Errorf("%d markers written through the archive API, want none", n)
	}
	if n := writes.writers.Load(); n != 0 {
		t.Errorf("%d containers made to write secrets or the gate, want none", n)
	}
	enginetest.Eventually(t, time.Minute, "the service behind the gate answers", func() error {
		res, err := e.cli.Exec(ctx, second, []string{"redis-cli", "ping"})
		if err == nil && !strings.Contains(res.Output, "PONG") {
			err = fmt.Errorf("redis-cli ping: exit %d: %s", res.ExitCode, res.Output)
		}
		return err
	})
	res, err := e.cli.Exec(ctx, second, []string{"ls", "-A", "/run/secrets"})
	if err != nil || strings.TrimSpace(res.Output) != "token" {
		t.Errorf("/run/secrets holds %q (%v), want just token", res.Output, err)
	}
	res, err = e.cli.Exec(ctx, second, []string{"cat", "/run/secrets/token"})
	if err != nil || res.Output != "t0ken" {
		t.Errorf("the secret reads %q (%v), want t0ken", res.Output, err)
	}
}
