package engine

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// untar is the files of a packed context, by name.
func untar(t *testing.T, rc io.ReadCloser) map[string]string {
	t.Helper()
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			files[hdr.Name] = string(b)
		}
	}
}

func TestTarContextPrefersTheDockerfilesOwnIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Dockerfile": "FROM scratch\n", "app.Dockerfile": "FROM scratch\n",
		".dockerignore": "a.txt\n", "app.Dockerfile.dockerignore": "b.txt\n",
		"a.txt": "a", "b.txt": "b",
	})
	rc, err := tarContext(dir, "app.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	files := untar(t, rc)
	if _, ok := files["a.txt"]; !ok {
		t.Error("a.txt, which only the context's .dockerignore excludes, was left out")
	}
	if _, ok := files["b.txt"]; ok {
		t.Error("b.txt, which app.Dockerfile.dockerignore excludes, was packed")
	}
	// A builder that reads .dockerignore again excludes the same.
	if got := files[".dockerignore"]; got != "b.txt\n" {
		t.Errorf("packed .dockerignore = %q, want app.Dockerfile.dockerignore's patterns", got)
	}
	// Another Dockerfile of the same context has no ignore file of its own.
	rc, err = tarContext(dir, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	files = untar(t, rc)
	if _, ok := files["a.txt"]; ok {
		t.Error("a.txt, which the context's .dockerignore excludes, was packed for Dockerfile")
	}
	if files[".dockerignore"] != "a.txt\n" {
		t.Errorf("packed .dockerignore = %q, want the context's", files[".dockerignore"])
	}
}

func TestBuildContextUploadsADockerfileOutsideTheContext(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"Dockerfile": "FROM scratch\nCOPY . /\n", "Dockerfile.dockerignore": "secret.txt\n",
		"app/hello.txt": "hello", "app/secret.txt": "secret", "app/.dockerignore": "hello.txt\n",
	})
	app := filepath.Join(root, "app")
	for _, dockerfile := range []string{"../Dockerfile", filepath.Join(root, "Dockerfile")} {
		rc, name, err := buildContext(BuildSpec{ContextDir: app, Dockerfile: dockerfile})
		if err != nil {
			t.Fatalf("%s: %v", dockerfile, err)
		}
		files := untar(t, rc)
		if !strings.HasPrefix(name, ".dockerfile.") || files[name] != "FROM scratch\nCOPY . /\n" {
			t.Errorf("%s: the build reads %q, which holds %q; want the Dockerfile's content under a name of its own", dockerfile, name, files[name])
		}
		if _, ok := files["secret.txt"]; ok {
			t.Errorf("%s: secret.txt, which Dockerfile.dockerignore excludes, was packed", dockerfile)
		}
		if files["hello.txt"] != "hello" {
			t.Errorf("%s: hello.txt, which only the context's .dockerignore excludes, was not packed", dockerfile)
		}
		lines := strings.Fields(files[".dockerignore"])
		if !slices.Contains(lines, name) || !slices.Contains(lines, "secret.txt") {
			t.Errorf("%s: packed .dockerignore = %q, want Dockerfile.dockerignore's patterns and %s", dockerfile, files[".dockerignore"], name)
		}
	}
}

func TestContextDigestCountsTheDockerfileOutsideAndTheIgnoreFile(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"Dockerfile": "FROM scratch\n", "app/hello.txt": "hello", "app/notes.txt": "notes"})
	app := filepath.Join(root, "app")
	digest := func() string {
		t.Helper()
		d, err := ContextDigest(app, "../Dockerfile")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := digest()
	writeTree(t, root, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello.txt /\n"})
	edited := digest()
	if edited == before {
		t.Error("the digest is the same after the Dockerfile outside the context changed")
	}
	writeTree(t, root, map[string]string{"Dockerfile.dockerignore": "notes.txt\n"})
	ignored := digest()
	if ignored == edited {
		t.Error("the digest is the same after the Dockerfile's own ignore file left notes.txt out")
	}
	// What that file excludes makes no difference any more.
	writeTree(t, app, map[string]string{"notes.txt": "other notes"})
	if got := digest(); got != ignored {
		t.Error("the digest changed with a file the Dockerfile's own ignore file excludes")
	}
	// The context's .dockerignore is not read while the Dockerfile has
	// its own: what only it excludes still counts.
	writeTree(t, app, map[string]string{".dockerignore": "hello.txt\n"})
	withContextIgnore := digest()
	writeTree(t, app, map[string]string{"hello.txt": "hello again"})
	if digest() == withContextIgnore {
		t.Error("the digest is the same after hello.txt changed, which only the context's .dockerignore excludes")
	}
}

func TestSolveOptionsMountTheDirectoryOfADockerfileOutsideTheContext(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"build/app.Dockerfile": "FROM scratch\n", "app/hello.txt": "hello"})
	app := filepath.Join(root, "app")
	for _, dockerfile := range []string{"../build/app.Dockerfile", filepath.Join(root, "build", "app.Dockerfile")} {
		opt, cleanup, err := solveOptions(BuildSpec{ContextDir: app, Dockerfile: dockerfile, Tag: "p-app"})
		defer cleanup()
		if err != nil {
			t.Fatal(err)
		}
		if got := opt.FrontendAttrs["filename"]; got != "app.Dockerfile" {
			t.Errorf("%s: filename = %q, want app.Dockerfile", dockerfile, got)
		}
		var names []string
		err = opt.LocalMounts["dockerfile"].Walk(context.Background(), "", func(path string, _ fs.DirEntry, err error) error {
			names = append(names, path)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, []string{"app.Dockerfile"}) {
			t.Errorf("%s: the dockerfile mount holds %v, want the Dockerfile's directory", dockerfile, names)
		}
	}
}

func TestBuildContextKeepsADockerfileInTheContext(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"Dockerfile": "FROM scratch\n", ".dockerignore": "a.txt\n", "a.txt": "a"})
	rc, name, err := buildContext(BuildSpec{ContextDir: dir, Dockerfile: "Dockerfile"})
	if err != nil {
		t.Fatal(err)
	}
	files := untar(t, rc)
	if name != "Dockerfile" || files["Dockerfile"] != "FROM scratch\n" || files[".dockerignore"] != "a.txt\n" || len(files) != 2 {
		t.Errorf("the build reads %q from %v, want the context's Dockerfile and .dockerignore as they are", name, files)
	}
}
