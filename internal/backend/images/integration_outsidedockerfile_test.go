package images_test

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// A Dockerfile outside its context (named relative to it, or by an
// absolute path), with an ignore file of its own beside it: the build
// uploads it with the context, packs what that ignore file lets through
// (not what the context's .dockerignore would), and an edit to it
// rebuilds the image on up. Through /build with a packed context, and
// through BuildKit's solve (no_cache_filter takes that path).
func TestBuildADockerfileOutsideTheContextWithItsOwnIgnoreFile(t *testing.T) {
	cases := []struct {
		name     string
		absolute bool
		filter   []string
	}{
		{name: "packed context", absolute: false},
		{name: "solve", absolute: true, filter: []string{"app"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cli := enginetest.Connect(t)
			ctx := enginetest.Context(t, 5*time.Minute)
			project := bkProject(t)
			root := t.TempDir()
			app := filepath.Join(root, "app")
			if err := os.Mkdir(app, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFiles(t, root, map[string]string{
				"Dockerfile":              "FROM scratch AS app\nCOPY . /ctx/\n",
				"Dockerfile.dockerignore": "secret.txt\n",
			})
			writeFiles(t, app, map[string]string{
				"hello.txt": "hello", "secret.txt": "secret", ".dockerignore": "hello.txt\n",
			})
			dockerfile := "../Dockerfile"
			if tc.absolute {
				dockerfile = filepath.Join(root, "Dockerfile")
			}
			st := buildStack(project, &stack.Build{Context: app, Dockerfile: dockerfile, NoCacheFilter: tc.filter})
			store := images.New(cli, nil)
			up := func() bool {
				t.Helper()
				_, built, err := store.Ensure(ctx, st, false)
				if err != nil {
					t.Fatalf("up on API %s: %v", cli.APIVersion(), err)
				}
				return built
			}
			if !up() {
				t.Fatal("the first up built nothing")
			}
			api := rawAPI(t)
			names := imageDirNames(t, ctx, project+"-app", "/ctx")
			if !slices.Contains(names, "hello.txt") {
				t.Errorf("/ctx holds %v: no hello.txt, which only the context's .dockerignore excludes", names)
			}
			if slices.Contains(names, "secret.txt") {
				t.Errorf("/ctx holds %v: secret.txt, which Dockerfile.dockerignore excludes, went into the image", names)
			}
			// Through solve the Dockerfile goes as its own directory, as
			// buildx sends it. A packed context holds it, and BuildKit's
			// /build does not read the packed .dockerignore that names it
			// again: COPY . takes it, as with Compose's classic build.
			if tc.filter != nil && slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, ".dockerfile.") }) {
				t.Errorf("/ctx holds %v: the uploaded Dockerfile went into the image", names)
			}
			if up() {
				t.Error("an up with nothing changed built the image again")
			}
			writeFiles(t, root, map[string]string{"Dockerfile": "FROM scratch AS app\nCOPY hello.txt /edited.txt\n"})
			if !up() {
				t.Fatal("an up after the Dockerfile outside the context changed did not build")
			}
			if got := readImageFile(t, ctx, api, project+"-app", "/edited.txt"); got != "hello" {
				t.Errorf("/edited.txt = %q, want hello.txt's content, as the edited Dockerfile copies it", got)
			}
		})
	}
}

// imageDirNames lists the names in dir of image ref.
func imageDirNames(t *testing.T, ctx context.Context, ref, dir string) []string {
	t.Helper()
	var names []string
	withImageTar(t, ctx, rawAPI(t), ref, dir, func(tr *tar.Reader) {
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("read %s of %s: %v", dir, ref, err)
			}
			// The archive names dir's entries under its base name.
			if _, name, ok := strings.Cut(strings.TrimSuffix(hdr.Name, "/"), "/"); ok {
				names = append(names, name)
			}
		}
	})
	return names
}
