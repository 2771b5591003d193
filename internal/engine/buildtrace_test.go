package engine

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// replayBuild builds through a fake engine that answers /build with the
// recorded output of a BuildKit build of the real engine (Docker 20.10,
// testdata/NAME.jsonl), and returns the steps as progress lines.
func replayBuild(t *testing.T, name string) (string, []string, error) {
	t.Helper()
	t.Setenv("DOCKER_BUILDKIT", "")
	recorded, err := os.ReadFile(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEngine{version: "1.41", routes: map[string]http.HandlerFunc{
		"POST /build": func(w http.ResponseWriter, r *http.Request) {
			if got := r.URL.Query().Get("version"); got != "2" {
				t.Errorf("the build asked for builder version %q, want 2 (BuildKit)", got)
			}
			_, _ = w.Write(recorded)
		},
	}}
	cli := f.client(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var steps []string
	id, err := cli.ImageBuild(context.Background(), BuildSpec{ContextDir: dir, Dockerfile: "Dockerfile", Tag: "bk-trace:1"}, func(e BuildEvent) {
		if e.Step != nil {
			steps = append(steps, e.Step.String())
		}
		if e.Notice != "" {
			t.Errorf("notice on a BuildKit build: %s", e.Notice)
		}
	})
	return id, steps, err
}

// checkSteps compares the steps with testdata/NAME.steps.
func checkSteps(t *testing.T, name string, steps []string) {
	t.Helper()
	got := strings.Join(steps, "\n") + "\n"
	path := filepath.Join("testdata", name+".steps")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; the steps:\n%s", err, got)
	}
	if got != string(want) {
		t.Errorf("the steps differ from %s; got:\n%s", path, got)
	}
}

func TestBuildKitStepsOfABuildSayEachStepStartAndItsDuration(t *testing.T) {
	id, steps, err := replayBuild(t, "buildkit-built")
	if err != nil {
		t.Fatal(err)
	}
	if id != "sha256:e33477c63801af2e5a5685574fbdcd853d73af57559489ab72ad9ffee7ca5702" {
		t.Errorf("image ID %q, not the one the engine's moby.image.id message named", id)
	}
	checkSteps(t, "buildkit-built", steps)
}

func TestBuildKitStepsOfARebuildSayWhichCameFromTheCache(t *testing.T) {
	_, steps, err := replayBuild(t, "buildkit-cached")
	if err != nil {
		t.Fatal(err)
	}
	checkSteps(t, "buildkit-cached", steps)
}

func TestBuildKitFailureNamesTheStepAndShowsItsLog(t *testing.T) {
	_, steps, err := replayBuild(t, "buildkit-failed")
	var be *BuildError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want a BuildError", err)
	}
	checkSteps(t, "buildkit-failed", steps)
	if want := `[3/3] RUN sh -c "echo first words; echo last words >&2; exit 3"`; be.Step != want {
		t.Errorf("failing step %q, want %q", be.Step, want)
	}
	// Its stdout and stderr, in the order the engine recorded them.
	if got := strings.Join(be.Output, "\n"); got != "last words\nfirst words" {
		t.Errorf("the failing step's log is %q, want its two lines", got)
	}
	if !strings.Contains(err.Error(), "exit code: 3") {
		t.Errorf("the error does not say the exit code: %v", err)
	}
}

// A status message may split a line of log between two chunks, and a step
// prints more than an error should carry.
func TestBuildTraceJoinsSplitLinesAndKeepsTheLastOnes(t *testing.T) {
	var s traceStep
	s.addLog("one\ntw")
	s.addLog("o\nthree")
	if got := strings.Join(s.log, ","); got != "one,two" || s.partial != "three" {
		t.Errorf("log %q, partial %q", got, s.partial)
	}
	for i := 0; i < 2*maxStepOutput; i++ {
		s.addLog("x\n")
	}
	if len(s.log) != maxStepOutput {
		t.Errorf("%d lines kept, want %d", len(s.log), maxStepOutput)
	}
}
