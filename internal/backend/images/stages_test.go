package images

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// A multi-stage build's output: golang (aaaaaaaaaaaa) as the build stage's
// base, its last image stage, then the final stage from scratch.
func multiStageBuild(stage, final string) []string {
	return []string{
		"Step 1/5 : FROM golang:1.26 AS build",
		" ---> aaaaaaaaaaaa",
		"Step 2/5 : RUN go mod download",
		" ---> Using cache",
		" ---> bbbbbbbbbbbb",
		"Step 3/5 : RUN go build",
		" ---> Running in 0123456789ab",
		"Removing intermediate container 0123456789ab",
		" ---> " + stage,
		"Step 4/5 : FROM scratch",
		" ---> ",
		"Step 5/5 : COPY --from=build /out/app /app",
		" ---> " + final,
		"Successfully built " + final,
	}
}

func builtStack(t *testing.T) *stack.Stack {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &stack.Stack{Project: "p", Services: []stack.Service{{
		Name: "app", Image: "p-app", Build: &stack.Build{Context: dir, Dockerfile: "Dockerfile"},
	}}}
}

// build builds the stack's app and fails the test on error.
func build(t *testing.T, f *fakeEngine, st *stack.Stack, output []string) {
	t.Helper()
	f.builds = append(f.builds, output)
	if err := New(f, nil).Build(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
}

func TestTheNewStageImageIsKeptAndThePreviousOneRemoved(t *testing.T) {
	f := newFakeEngine()
	f.add("aaaaaaaaaaaa", "golang:1.26")
	st := builtStack(t)

	build(t, f, st, multiStageBuild("111111111111", "f11111111111"))
	if got := f.tags()["111111111111"]; !slices.Equal(got, []string{"p-app:latest-stackctl-stage-1"}) {
		t.Fatalf("first build's stage image has names %q, want its stage tag", got)
	}
	build(t, f, st, multiStageBuild("222222222222", "f22222222222"))
	if !slices.Equal(f.removed, []string{fullID("111111111111")}) {
		t.Errorf("removed %q, want only the first build's stage image", f.removed)
	}
	tags := f.tags()
	if got := tags["222222222222"]; !slices.Equal(got, []string{"p-app:latest-stackctl-stage-1"}) {
		t.Errorf("second build's stage image has names %q, want the stage tag", got)
	}
	if got := tags["aaaaaaaaaaaa"]; !slices.Equal(got, []string{"golang:1.26"}) {
		t.Errorf("the base image has names %q, want golang's alone", got)
	}
	// The previous final image is dangling too, but it is not a stage: it
	// stays as before (a container may still run it).
	if _, ok := tags["f11111111111"]; !ok {
		t.Error("the first build's final image was removed")
	}
}

func TestAnUnchangedStageRemovesNothing(t *testing.T) {
	f := newFakeEngine()
	f.add("aaaaaaaaaaaa", "golang:1.26")
	st := builtStack(t)
	build(t, f, st, multiStageBuild("111111111111", "f11111111111"))
	build(t, f, st, multiStageBuild("111111111111", "f22222222222"))
	if len(f.removed) != 0 {
		t.Errorf("removed %q, want nothing: the stage image is the same", f.removed)
	}
	if got := f.tags()["111111111111"]; !slices.Equal(got, []string{"p-app:latest-stackctl-stage-1"}) {
		t.Errorf("stage image has names %q, want the stage tag", got)
	}
}

func TestImagesNotOursAreNeverRemoved(t *testing.T) {
	f := newFakeEngine()
	f.add("aaaaaaaaaaaa", "golang:1.26")
	f.add("999999999999") // dangling, made by someone else
	st := builtStack(t)
	build(t, f, st, multiStageBuild("111111111111", "f11111111111"))
	build(t, f, st, multiStageBuild("222222222222", "f22222222222"))
	if !slices.Contains(f.ids(), fullID("999999999999")) {
		t.Error("a dangling image stackctl did not make was removed")
	}
	if !slices.Contains(f.ids(), fullID("aaaaaaaaaaaa")) {
		t.Error("the base image was removed")
	}
}

func TestAPreviousStageImageInUseOrNamedStays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		adopt func(*fakeImage)
	}{
		{"in use by a container", func(img *fakeImage) { img.inUse = true }},
		{"tagged by someone", func(img *fakeImage) { img.tags = append(img.tags, "mine:debug") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEngine()
			f.add("aaaaaaaaaaaa", "golang:1.26")
			st := builtStack(t)
			build(t, f, st, multiStageBuild("111111111111", "f11111111111"))
			_, img := f.resolve("111111111111")
			tc.adopt(img)
			build(t, f, st, multiStageBuild("222222222222", "f22222222222"))
			if len(f.removed) != 0 {
				t.Errorf("removed %q, want nothing", f.removed)
			}
			if got := f.tags()["222222222222"]; !slices.Equal(got, []string{"p-app:latest-stackctl-stage-1"}) {
				t.Errorf("new stage image has names %q, want the stage tag", got)
			}
		})
	}
}

func TestAStageTheDockerfileNoLongerHasIsRemoved(t *testing.T) {
	f := newFakeEngine()
	f.add("aaaaaaaaaaaa", "golang:1.26")
	st := builtStack(t)
	build(t, f, st, multiStageBuild("111111111111", "f11111111111"))
	build(t, f, st, []string{
		"Step 1/2 : FROM golang:1.26",
		" ---> aaaaaaaaaaaa",
		"Step 2/2 : RUN go build",
		" ---> f22222222222",
		"Successfully built f22222222222",
	})
	if !slices.Equal(f.removed, []string{fullID("111111111111")}) {
		t.Errorf("removed %q, want the stage image of the stage that went", f.removed)
	}
}

func TestAStageOfJustFromTagsNothing(t *testing.T) {
	f := newFakeEngine()
	f.add("aaaaaaaaaaaa", "golang:1.26")
	st := builtStack(t)
	build(t, f, st, []string{
		"Step 1/3 : FROM golang:1.26 AS tools",
		" ---> aaaaaaaaaaaa",
		"Step 2/3 : FROM scratch",
		" ---> ",
		"Step 3/3 : COPY --from=tools /usr/local/go/bin/go /go",
		" ---> f11111111111",
	})
	if got := f.tags()["aaaaaaaaaaaa"]; !slices.Equal(got, []string{"golang:1.26"}) {
		t.Errorf("the base image has names %q, want golang's alone", got)
	}
}

func TestStageRef(t *testing.T) {
	for ref, want := range map[string]string{
		"p-app":                  "p-app:latest-stackctl-stage-2",
		"p-app:v1":               "p-app:v1-stackctl-stage-2",
		"localhost:5000/app":     "localhost:5000/app:latest-stackctl-stage-2",
		"localhost:5000/app:dev": "localhost:5000/app:dev-stackctl-stage-2",
	} {
		if got := StageRef(ref, 2); got != want {
			t.Errorf("StageRef(%q, 2) = %q, want %q", ref, got, want)
		}
	}
}
