package images

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// A build whose additional context changed is rebuilt: a directory counts
// by its content, a service's image by its ID.
func TestContextsDigestFollowsADirectoryAndAServiceImage(t *testing.T) {
	dir := t.TempDir()
	write := func(content string) {
		if err := os.WriteFile(filepath.Join(dir, "f"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("one")
	b := &stack.Build{AdditionalContexts: map[string]string{"d": dir, "s": "docker-image://p-base"}}
	digest := func(ids map[string]string) string {
		t.Helper()
		d, err := contextsDigest(b, ids)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first := digest(map[string]string{"s": "sha256:1"})
	if again := digest(map[string]string{"s": "sha256:1"}); again != first {
		t.Errorf("the same contexts digest differently: %q, %q", first, again)
	}
	if other := digest(map[string]string{"s": "sha256:2"}); other == first {
		t.Error("a new image of the service leaves the digest as it was")
	}
	write("two")
	if changed := digest(map[string]string{"s": "sha256:1"}); changed == first {
		t.Error("a changed directory leaves the digest as it was")
	}
}

// Building some services builds the services whose images their builds
// take as additional contexts too, however indirectly.
func TestBuildingAServiceBuildsItsContextServices(t *testing.T) {
	st := &stack.Stack{Services: []stack.Service{
		{Name: "app", Build: &stack.Build{AdditionalContexts: map[string]string{"base": "service:base", "dir": "/x"}}},
		{Name: "base", Build: &stack.Build{AdditionalContexts: map[string]string{"root": "service:root"}}},
		{Name: "root", Build: &stack.Build{}},
		{Name: "other", Build: &stack.Build{}},
	}}
	got := withContextServices(st, []string{"app"})
	slices.Sort(got)
	if !slices.Equal(got, []string{"app", "base", "root"}) {
		t.Errorf("building app builds %v, want app, base and root", got)
	}
}

// A build whose additional context is the image it makes itself (two
// services sharing one image) fails instead of waiting for itself.
func TestAContextOfTheBuildsOwnImageFails(t *testing.T) {
	st := &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "a", Image: "p-shared", Build: &stack.Build{Context: t.TempDir(), AdditionalContexts: map[string]string{"x": "service:b"}}},
		{Name: "b", Image: "p-shared", Build: &stack.Build{Context: t.TempDir()}},
	}}
	_, _, err := New(newFakeEngine(), nil).Ensure(t.Context(), st, false)
	if err == nil || !strings.Contains(err.Error(), "build.additional_contexts.x: service:b (image p-shared): it is the image this build makes") {
		t.Errorf("error %v, want the context refused as the build's own image", err)
	}
}
