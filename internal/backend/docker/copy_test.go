package docker

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
)

// A directory copied into a service lands under the path given, and comes
// back out the same, with the docker CLI's naming rules.
func TestCopyADirectoryInAndOut(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	local := t.TempDir()
	src := filepath.Join(local, "conf")
	if err := os.MkdirAll(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"a.txt": "alpha", "sub/b.txt": "beta"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// /app does not exist: the directory is copied as /app.
	if err := o.Copy(ctx, st, backend.CopyOptions{Service: "cache", Local: src, Path: "/app", ToInstance: true}); err != nil {
		t.Fatal(err)
	}
	files := f.containers["stackctl-cache-1"].files
	if string(files["/app/a.txt"]) != "alpha" || string(files["/app/sub/b.txt"]) != "beta" {
		t.Fatalf("the container holds %q, want /app/a.txt and /app/sub/b.txt", files)
	}
	// Out into an existing directory: under its own name there.
	out := t.TempDir()
	if err := o.Copy(ctx, st, backend.CopyOptions{Service: "cache", Path: "/app", Local: out}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"app/a.txt": "alpha", "app/sub/b.txt": "beta"} {
		if got, err := os.ReadFile(filepath.Join(out, name)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	// "-" is a tar archive on standard output.
	var archive bytes.Buffer
	if err := o.Copy(ctx, st, backend.CopyOptions{Service: "cache", Path: "/app/a.txt", Local: "-", Stdout: &archive}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(archive.Bytes(), []byte("alpha")) {
		t.Error("the archive on standard output lacks the file")
	}
	// A path that is not there is an error naming it.
	err := o.Copy(ctx, st, backend.CopyOptions{Service: "cache", Path: "/nope", Local: out})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("stackctl-cache-1:/nope")) {
		t.Errorf("copy of a missing path: %v, want it named", err)
	}
	if err := o.Copy(ctx, st, backend.CopyOptions{Service: "nope", Path: "/x", Local: out}); !errors.Is(err, backend.ErrUnknownService) {
		t.Errorf("copy from an unknown service: %v", err)
	}
}
