package images

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
)

// plainOutput is what the plain renderer printed, without the times.
func plainOutput(b *bytes.Buffer) string {
	return regexp.MustCompile(`(?m)^ *[0-9.]+s  `).ReplaceAllString(b.String(), "")
}

// A build's steps reach the progress stream as they start and end, cached
// or with their duration, and a notice about the builder is said once
// however many images are built.
func TestBuildStepsGoToTheProgressStream(t *testing.T) {
	f := newFakeEngine()
	f.events = []engine.BuildEvent{
		{Notice: "building with the classic builder: DOCKER_BUILDKIT=0 turns BuildKit off"},
		{Step: &engine.BuildStep{Name: "[build 2/3] RUN go mod download"}},
		{Step: &engine.BuildStep{Name: "[build 2/3] RUN go mod download", Done: true, Duration: 1500 * time.Millisecond}},
		{Step: &engine.BuildStep{Name: "[build 3/3] COPY . .", Done: true, Cached: true}},
	}
	f.builds = [][]string{{" ---> aaaaaaaaaaaa"}, {" ---> bbbbbbbbbbbb"}}
	var out bytes.Buffer
	store := New(f, progress.NewRenderer(&out, progress.Plain, false))
	st := builtStack(t)
	if err := store.Build(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
	if err := store.Build(context.Background(), st, nil); err != nil {
		t.Fatal(err)
	}
	got := plainOutput(&out)
	for _, want := range []string{
		"build                        notice  building with the classic builder: DOCKER_BUILDKIT=0 turns BuildKit off\n",
		"image p-app                  building  [build 2/3] RUN go mod download\n",
		"image p-app                  building  [build 2/3] RUN go mod download (1.5s)\n",
		"image p-app                  building  [build 3/3] COPY . . (cached)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the progress does not say %q; it is:\n%s", want, got)
		}
	}
	if f.bounded != 2 {
		t.Errorf("the build cache was bounded %d times, want after each of the 2 builds", f.bounded)
	}
	if n := strings.Count(got, "notice"); n != 1 {
		t.Errorf("the notice was said %d times, want once:\n%s", n, got)
	}
}

// A failed build's error names the service and its Dockerfile, and the
// failing step shows as an error on the progress stream.
func TestAFailedBuildNamesTheServiceAndItsDockerfile(t *testing.T) {
	f := newFakeEngine()
	f.events = []engine.BuildEvent{
		{Step: &engine.BuildStep{Name: "[2/2] RUN make", Done: true, Error: "exit code: 2"}},
	}
	f.failWith = &engine.BuildError{Tag: "p-app", Step: "[2/2] RUN make", Output: []string{"make: *** no rule"}, Err: errors.New("exit code: 2")}
	var out bytes.Buffer
	store := New(f, progress.NewRenderer(&out, progress.Plain, false))
	st := builtStack(t)
	err := store.Build(context.Background(), st, nil)
	if err == nil {
		t.Fatal("the build succeeded")
	}
	dockerfile := filepath.Join(st.Services[0].Build.Context, "Dockerfile")
	for _, want := range []string{"service app (" + dockerfile + ")", "at [2/2] RUN make", "make: *** no rule"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
	if got := plainOutput(&out); !strings.Contains(got, "image p-app                  step failed  [2/2] RUN make: exit code: 2\n") {
		t.Errorf("the progress does not show the failed step:\n%s", got)
	}
}
