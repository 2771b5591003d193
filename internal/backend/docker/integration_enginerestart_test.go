package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// Redis without snapshots exits 0 at once on SIGTERM, however loaded the
// machine; the grace period keeps the engine from killing it first.
const policiesCompose = `x-redis: &redis
  image: redis:7
  command: ["redis-server", "--save", ""]
  stop_grace_period: 1m
services:
  always:
    <<: *redis
    restart: always
  unless:
    <<: *redis
    restart: unless-stopped
  onfailure:
    <<: *redis
    restart: on-failure
  never:
    <<: *redis
    restart: "no"
`

// The engine restarts under a running stack (a reboot, an upgrade): it
// stops every container with SIGTERM, which redis answers with exit 0.
// always and unless-stopped come back; on-failure (a clean exit) and no do
// not; ps says so; and the next up starts those two again without
// recreating anything. The engine is a second one, in a container, so the
// host's is untouched.
func TestEngineRestartUnderARunningStack(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	// A shutdown that waits for its containers however loaded the machine:
	// killed, redis would exit 137, which on-failure restarts.
	inner := enginetest.Dind(t, enginetest.DindArgs("--shutdown-timeout=120"))
	ctx := enginetest.Context(t, 8*time.Minute)
	if err := inner.LoadImages(ctx, "redis:7"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, []byte(policiesCompose), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, ProjectName: "policies"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		t.Fatal(err)
	}
	orch := newOrchestrator(t, inner.Client, &itgRecorder{})
	first, err := orch.Up(ctx, st, backend.UpOptions{})
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	ids := map[string]string{}
	for _, c := range first.Containers {
		ids[c.Service] = c.ID
	}

	timeout := 120
	if err := e.api.ContainerRestart(ctx, inner.ContainerID, container.StopOptions{Timeout: &timeout}); err != nil {
		t.Fatalf("restart the engine's container: %v", err)
	}
	// Its address may have changed with the restart.
	inner.Reconnect(t)
	orch = newOrchestrator(t, inner.Client, &itgRecorder{})
	// Until the engine answers again and has applied its restart policies:
	// always and unless-stopped run, and nothing is still restarting.
	var ps []backend.ContainerStatus
	settled := wait.Func(func(ctx context.Context) (bool, error) {
		got, err := orch.PS(ctx, st)
		if err != nil || len(got) != 4 {
			return false, nil
		}
		for _, c := range got {
			back := c.Service == "always" || c.Service == "unless"
			if c.State == "restarting" || (back && c.State != "running") {
				return false, nil
			}
		}
		ps = got
		return true, nil
	})
	if err := wait.Until(ctx, 200*time.Millisecond, settled); err != nil {
		t.Fatalf("the engine did not come back with always and unless-stopped running: %v", err)
	}
	for _, c := range ps {
		if c.ID != ids[c.Service] {
			t.Errorf("%s is another container after the engine restarted", c.Service)
		}
		switch c.Service {
		case "always", "unless":
			// Checked by settled: running.
		case "never":
			if c.State != "exited" {
				t.Errorf("never after the engine restarted: %s, want exited", c.State)
			}
		case "onfailure":
			// The shutdown's SIGTERM is a clean exit, which on-failure
			// leaves down. An engine that had to kill it on the way down
			// (seen on a loaded machine) records a failure, which
			// on-failure restarts: either is the policy at work. The
			// engine starts it again as it starts itself, which it counts
			// as no restart (seen: running, 0 restarts).
			clean := c.State == "exited" && c.ExitCode == 0 && c.RestartCount == 0
			killed := c.State == "running"
			if !clean && !killed {
				t.Errorf("onfailure after the engine restarted: %s, exit %d, %d restarts; want exited 0, or restarted after a kill", c.State, c.ExitCode, c.RestartCount)
			}
			t.Logf("onfailure after the engine restarted: %s, exit %d, %d restarts", c.State, c.ExitCode, c.RestartCount)
		}
	}

	again, err := orch.Up(ctx, st, backend.UpOptions{})
	if err != nil {
		t.Fatalf("up after the restart: %v", err)
	}
	for _, c := range again.Containers {
		if c.State != "running" || c.ID != ids[c.Service] {
			t.Errorf("%s after up: %s (%s), want running, the same container", c.Service, c.State, c.ID[:12])
		}
	}
	if err := orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil && !itgNotFound(err) {
		t.Errorf("down: %v", err)
	}
}
