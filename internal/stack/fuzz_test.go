package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// FuzzLoad: no compose file, however broken, makes the loader or the
// model's checks panic. The seeds are the test files; the corpus found
// by fuzzing is kept in testdata/fuzz.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		filepath.Join("testdata", "full", "compose.yaml"),
		filepath.Join("builtin", "compose.yaml"),
	} {
		b, err := os.ReadFile(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("services:\n  a:\n    image: busybox\n    ports: [\"1-2:3-4/udp\"]\n    x-stackctl: {edge: auto, readiness: [CMD-SHELL, \"true\"]}\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}, ProjectName: "fuzz", Environment: map[string]string{"APP_DIR": dir}})
		if err != nil {
			return
		}
		_ = st.ApplyShape(stack.Shape{Edge: true})
		_ = st.Validate()
		_, _ = st.Render(stack.FormatYAML)
	})
}
