package docker

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// What goes in through the host has the modes the archive API gives,
// whatever the umask of stackctl's process and the mode of a file there
// before: a service's non-root user reads its secrets.
func TestWriteOnHostGivesTheAPIsModesWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kept"), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	undo, err := writeOnHost(dir, map[string][]byte{"kept": []byte("new"), "sub/deeper/file": []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"kept": 0o644, "sub/deeper/file": 0o644, "sub": 0o755, "sub/deeper": 0o755} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	undo()
	if _, err := os.Stat(filepath.Join(dir, "sub/deeper/file")); !os.IsNotExist(err) {
		t.Errorf("undo left the file it wrote: %v", err)
	}
}

func TestWriteOnHostMakesNothingWhereTheDirectoryIsNot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	if _, err := writeOnHost(dir, map[string][]byte{"a/b": nil}); err == nil {
		t.Fatal("written into a directory that is not there")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the missing directory was made: %v", err)
	}
}
