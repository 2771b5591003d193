package docker

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A container made with another's (network_mode service:) is created
// after it, and recreated when that one is: the engine tied it to the
// container it was made with.
func TestMadeWithAnotherContainerIsCreatedAfterAndRecreatedWithIt(t *testing.T) {
	f := newFakeEngine()
	f.images["redis:7"] = engine.Image{ID: "sha256:redis"}
	o := newTestOrchestrator(f)
	file := filepath.Join(t.TempDir(), "compose.yaml")
	load := func(command string) *stack.Stack {
		t.Helper()
		content := "name: made\nservices:\n  base:\n    image: redis:7\n    command: [" + command + "]\n  sidecar:\n    image: redis:7\n    network_mode: service:base\n  other:\n    image: redis:7\n"
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := stack.Load(testContext(t), stack.LoadOptions{Files: []string{file}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	mustUp(t, o, load("redis-server"))
	assertBefore(t, f.events, "create made-base-1", "create made-sidecar-1")
	sidecar := f.containers["made-sidecar-1"].ID
	other := f.containers["made-other-1"].ID

	mustUp(t, o, load("redis-server, --save, ''"))
	if f.containers["made-sidecar-1"].ID == sidecar {
		t.Error("base was replaced and the sidecar made with its container was kept")
	}
	if f.containers["made-other-1"].ID != other {
		t.Error("a service not made with base's container was recreated")
	}
}
