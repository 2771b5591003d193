package stack_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// A hook inherits what it does not set from the service (compose-go merges
// them); the stack keeps what it sets and the service's image stays the
// service's.
func TestPreStartHooks(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	yaml := "services:\n  a:\n    image: busybox\n    read_only: true\n    environment: {A: '1'}\n    volumes: [data:/data]\n" +
		"    pre_start:\n      - command: [sh, -c, 'echo hi > /data/x']\n        user: root\n        environment: {B: '2'}\n" +
		"      - image: alpine\n        command: ['true']\nvolumes:\n  data: {}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(t.Context(), stack.LoadOptions{Files: []string{file}, ProjectName: "prestload"})
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := st.Service("a")
	if !ok {
		t.Fatal("no service a")
	}
	if len(svc.PreStart) != 2 {
		t.Fatalf("pre_start = %+v, want 2 hooks", svc.PreStart)
	}
	first, second := svc.PreStart[0], svc.PreStart[1]
	if first.Image != "" || first.User != "root" || !slices.Equal(first.Command, []string{"sh", "-c", "echo hi > /data/x"}) {
		t.Errorf("first hook = %+v", first)
	}
	if !slices.Equal(first.Environment, []string{"A=1", "B=2"}) {
		t.Errorf("first hook environment = %q, want the service's and its own", first.Environment)
	}
	if second.Image != "alpine" || !slices.Equal(second.Command, []string{"true"}) {
		t.Errorf("second hook = %+v", second)
	}
}
