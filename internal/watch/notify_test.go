package watch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A real file system, as fsnotify is the thing under test: every wait is
// bounded by the test's deadline, none is a timing assertion.
func TestNotifierSeesFilesInNewDirectoriesAndIgnoresOtherTrees(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "src")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "config.toml")
	n, err := NewNotifier([]string{root, file})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	paths := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx, paths) }()

	write(t, filepath.Join(dir, "elsewhere.txt"), "x")
	write(t, filepath.Join(root, "new", "deep", "a.txt"), "x")
	write(t, file, "x")
	want := map[string]bool{filepath.Join(root, "new", "deep", "a.txt"): false, file: false}
	deadline := time.After(10 * time.Second)
	for missing := len(want); missing > 0; {
		select {
		case p := <-paths:
			if p == filepath.Join(dir, "elsewhere.txt") {
				t.Errorf("a path outside the roots is reported")
			}
			if seen, ok := want[p]; ok && !seen {
				want[p] = true
				missing--
			}
		case <-deadline:
			t.Fatalf("not reported: %v", want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}
