package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The tests that check the stacks' premises ask stackctl itself how it
// resolves each file, as the benchmark does: a stackctl built from this
// checkout, once per run of the tests, into a directory TestMain removes.
var testStackctl struct {
	once      sync.Once
	dir, path string
	err       error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testStackctl.dir != "" {
		os.RemoveAll(testStackctl.dir)
	}
	os.Exit(code)
}

// stackctlBin is the path of a stackctl built from this checkout.
func stackctlBin(t *testing.T) string {
	t.Helper()
	testStackctl.once.Do(func() {
		dir, err := os.MkdirTemp("", "stackbench-test-")
		if err != nil {
			testStackctl.err = err
			return
		}
		testStackctl.dir = dir
		path := filepath.Join(dir, "stackctl")
		cmd := exec.Command("go", "build", "-o", path, "./cmd/stackctl")
		cmd.Dir = ".." // the repository's root, stackctl's module
		if out, err := cmd.CombinedOutput(); err != nil {
			testStackctl.err = fmt.Errorf("go build ./cmd/stackctl: %w\n%s", err, out)
			return
		}
		testStackctl.path = path
	})
	if testStackctl.err != nil {
		t.Fatalf("build stackctl from this checkout: %v", testStackctl.err)
	}
	return testStackctl.path
}

// resolveForTest is stackctl's resolution of files as project with env.
func resolveForTest(t *testing.T, files []string, project string, env map[string]string) *stackConfig {
	t.Helper()
	st, err := resolveStack(context.Background(), stackctlBin(t), files, project, env)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
