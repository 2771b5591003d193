package watch

import (
	"archive/tar"
	"bytes"
	"io"
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
