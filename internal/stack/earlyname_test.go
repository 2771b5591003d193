package stack_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// The name known before loading is the one Load then finds, whenever it
// is not "".
func TestNameBeforeLoadAgreesWithLoad(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	named := filepath.Join(dir, "named.yaml")
	write(t, named, "name: fromfile\nservices:\n  a:\n    image: busybox\n")
	check := func(opts stack.LoadOptions, want string) {
		t.Helper()
		if got := stack.NameBeforeLoad(opts); got != want {
			t.Fatalf("NameBeforeLoad = %q, want %q", got, want)
		}
		st, err := stack.Load(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if want != "" && st.Project != want {
			t.Errorf("Load's project %q, NameBeforeLoad %q", st.Project, want)
		}
	}
	check(stack.LoadOptions{Files: []string{named}}, "")
	check(stack.LoadOptions{Files: []string{named}, Environment: map[string]string{"COMPOSE_PROJECT_NAME": "fromopts"}}, "fromopts")
	t.Setenv("COMPOSE_PROJECT_NAME", "fromenv")
	check(stack.LoadOptions{Files: []string{named}}, "fromenv")
	check(stack.LoadOptions{Files: []string{named}, Environment: map[string]string{"COMPOSE_PROJECT_NAME": "fromopts"}}, "fromopts")
	check(stack.LoadOptions{Files: []string{named}, ProjectName: "fromflag"}, "fromflag")
}
