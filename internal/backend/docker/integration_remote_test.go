package docker_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/docker"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// On an engine that is not this machine's (a second engine, reached over
// TCP), kill crashes a container whose image has no kill, no shell, nothing
// of use: the helper runs stackctl itself in the engine's PID namespace,
// and the restart policy brings the container back.
func TestCrashOnARemoteEngineWhateverTheImageHolds(t *testing.T) {
	itgParallel(t)
	inner := enginetest.Dind(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	if err := inner.LoadImages(ctx, "redis:7"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte("services:\n  kv:\n    image: redis:7\n    restart: always\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"ping\"]\n      interval: 10s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, ProjectName: "remote"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		t.Fatal(err)
	}
	rec := &itgRecorder{}
	orch := orchestrator.New(docker.New(inner.Client, rec, docker.WithCrashHelper(stacktest.StaticStackctl(t))), rec)
	if _, err := orch.Up(ctx, st, backend.UpOptions{}); err != nil {
		t.Fatalf("up on the remote engine: %v", err)
	}
	before, err := inner.Client.ContainerInspect(ctx, "remote-kv-1")
	if err != nil {
		t.Fatal(err)
	}
	report, err := orch.Crash(ctx, st, backend.CrashOptions{Service: "kv", WaitTimeout: time.Minute})
	if err != nil {
		t.Fatalf("kill kv on the remote engine: %v", err)
	}
	if want := killHelperMethod(before.Pid); report.Method != want {
		t.Errorf("crash method = %q, want %q", report.Method, want)
	}
	c, err := inner.Client.ContainerInspect(ctx, "remote-kv-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.RestartCount != 1 || !c.Running() {
		t.Errorf("kv after the crash: %s, %d restarts; want running after one restart by its policy", c.Status, c.RestartCount)
	}
	if err := orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Errorf("down: %v", err)
	}
}
