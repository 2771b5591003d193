package watch

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestArchivePacksWhatExistsAndListsWhatIsGone(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.txt"), "hello")
	mappings := []Mapping{
		{filepath.Join(dir, "a.txt"), "/app/a.txt"},
		{filepath.Join(dir, "gone.txt"), "/app/gone.txt"},
		{dir, "/app/dir"},
	}
	archive, deleted, err := Archive(mappings)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(deleted, []string{"/app/gone.txt"}) {
		t.Errorf("deleted = %v", deleted)
	}
	tr := tar.NewReader(bytes.NewReader(archive))
	entries := map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(tr)
		entries[hdr.Name] = string(content)
		if hdr.Uid != 0 || hdr.Gid != 0 {
			t.Errorf("%s is owned by %d:%d, want root", hdr.Name, hdr.Uid, hdr.Gid)
		}
	}
	want := map[string]string{"app/a.txt": "hello", "app/dir/": ""}
	if !reflect.DeepEqual(entries, want) {
		t.Errorf("archive = %v, want %v", entries, want)
	}
}

// A directory with a file of the batch under it goes only as that file's
// path, which the engine makes: a directory entry over a path the
// container has as a symlink would be refused. An empty one, and one whose
// only entry under it is gone, go as their own entries.
func TestArchiveLeavesOutDirectoriesItsFilesImply(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sub", "file.txt"), "through the link")
	write(t, filepath.Join(dir, "other", "keep"), "")
	mkdir(t, filepath.Join(dir, "empty"))
	archive, deleted, err := Archive([]Mapping{
		{filepath.Join(dir, "sub"), "/app/data/sub"},
		{filepath.Join(dir, "sub", "file.txt"), "/app/data/sub/file.txt"},
		{filepath.Join(dir, "empty"), "/app/data/empty"},
		{filepath.Join(dir, "other"), "/app/data/other"},
		{filepath.Join(dir, "other", "gone"), "/app/data/other/gone"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
	if want := []string{"app/data/sub/file.txt", "app/data/empty/", "app/data/other/"}; !reflect.DeepEqual(names, want) {
		t.Errorf("archive holds %v, want %v", names, want)
	}
	if !reflect.DeepEqual(deleted, []string{"/app/data/other/gone"}) {
		t.Errorf("deleted = %v", deleted)
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}
