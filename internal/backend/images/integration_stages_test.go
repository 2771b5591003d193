package images_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// stagesBase is the build stage's base: `make images` provides it.
const stagesBase = "golang:1.26"

// teeEngine is the engine, with every line of build output kept for the
// test to read.
type teeEngine struct {
	*engine.Client
	mu     sync.Mutex
	output []string
}

func (e *teeEngine) ImageBuild(ctx context.Context, spec engine.BuildSpec, progress func(engine.BuildEvent)) (string, error) {
	return e.Client.ImageBuild(ctx, spec, func(ev engine.BuildEvent) {
		if ev.Line != "" {
			e.mu.Lock()
			e.output = append(e.output, ev.Line)
			e.mu.Unlock()
		}
		progress(ev)
	})
}

// takeOutput returns the output so far and forgets it.
func (e *teeEngine) takeOutput() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.output
	e.output = nil
	return out
}

// writeFiles writes files (name: content) into dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// removeImages removes refs (names or IDs) when the test ends, with their
// untagged parents, whatever the test left of them.
func removeImages(t *testing.T, cli *engine.Client, refs ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, ref := range refs {
			if err := cli.ImageRemove(ctx, ref); err != nil && !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
}

// A second build of changed source removes the first build's stage image
// (the dangling ~1 GB that every build of app/ used to leave), keeps its own
// as the next build's cache, used the cache itself, and touches no dangling
// image that stackctl did not make.
func TestRebuildRemovesThePreviousStageImageOnly(t *testing.T) {
	t.Setenv("DOCKER_BUILDKIT", "0") // stage images are the classic builder's
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	project := enginetest.ProjectName(t)

	// Someone else's dangling image: a plain build whose tag a second
	// build took.
	foreignDir := t.TempDir()
	foreignRef := project + "-foreign"
	var foreign [2]string
	for i := range foreign {
		writeFiles(t, foreignDir, map[string]string{"Dockerfile": "FROM " + stagesBase + "\nRUN echo " + project + "-foreign-" + string(rune('a'+i)) + " > /f\n"})
		id, err := cli.ImageBuild(ctx, engine.BuildSpec{ContextDir: foreignDir, Dockerfile: "Dockerfile", Tag: foreignRef}, nil)
		if err != nil {
			t.Fatal(err)
		}
		foreign[i] = id
		removeImages(t, cli, id)
	}
	if img, err := cli.ImageInspect(ctx, foreign[0]); err != nil || len(img.RepoTags) != 0 {
		t.Fatalf("the first foreign image should be dangling: %v, names %q", err, img.RepoTags)
	}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + stagesBase + " AS build\n" +
			// The project makes this step's image new to the engine; the
			// second build must take it from the cache.
			"RUN echo " + project + " > /cached\n" +
			"COPY src /src\n" +
			"RUN cat /cached /src > /out\n" +
			"FROM scratch\n" +
			"COPY --from=build /out /out\n",
		"src": "one\n",
	})
	ref := project + "-app"
	stageRef := images.StageRef(ref, 1)
	removeImages(t, cli, ref, stageRef)
	st := &stack.Stack{Project: project, Services: []stack.Service{{
		Name: "app", Image: ref, Build: &stack.Build{Context: dir, Dockerfile: "Dockerfile"},
	}}}
	eng := &teeEngine{Client: cli}
	store := images.New(eng, nil)

	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	first, err := cli.ImageInspect(ctx, stageRef)
	if err != nil {
		t.Fatalf("the first build's stage image: %v\n%s", err, strings.Join(eng.takeOutput(), "\n"))
	}
	eng.takeOutput()
	// The second build leaves the first one's final image dangling, as any
	// rebuild does; the stage image is the build's to remove, but not if
	// the test fails.
	firstFinal, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	removeImages(t, cli, firstFinal.ID, first.ID)

	writeFiles(t, dir, map[string]string{"src": "two\n"})
	started := time.Now()
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("second build: %s", time.Since(started).Round(time.Millisecond))
	output := eng.takeOutput()
	if !usedCacheFor(output, "RUN echo "+project) {
		t.Errorf("the second build did not use the cache for its first RUN step; its output:\n%s", strings.Join(output, "\n"))
	}
	second, err := cli.ImageInspect(ctx, stageRef)
	if err != nil {
		t.Fatalf("the second build's stage image: %v", err)
	}
	if second.ID == first.ID {
		t.Fatalf("both builds' stage image is %s: the source change did not reach the build stage", first.ID)
	}
	if _, err := cli.ImageInspect(ctx, first.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("the first build's stage image %s is still there (inspect: %v)", first.ID, err)
	}
	for _, id := range foreign {
		if _, err := cli.ImageInspect(ctx, id); err != nil {
			t.Errorf("image %s, not made by stackctl, after the builds: %v", id, err)
		}
	}
	if _, err := cli.ImageInspect(ctx, stagesBase); err != nil {
		t.Errorf("the base image after the builds: %v", err)
	}
}

// usedCacheFor reports whether the step whose line contains step was taken
// from the cache: the builder says "Using cache" before the step's image.
func usedCacheFor(output []string, step string) bool {
	for i, line := range output {
		if strings.HasPrefix(line, "Step ") && strings.Contains(line, step) {
			return i+1 < len(output) && output[i+1] == " ---> Using cache"
		}
	}
	return false
}

// A build with BuildKit, which keeps no stage images, removes the ones an
// earlier build of the same image with the classic builder kept.
func TestBuildKitBuildRemovesTheClassicBuildsStageImages(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + stagesBase + " AS build\n" +
			"RUN echo " + project + " > /out\n" +
			"FROM scratch\n" +
			"COPY --from=build /out /out\n",
	})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile"})
	ref := st.Services[0].Image
	stageRef := images.StageRef(ref, 1)
	store := images.New(cli, nil)

	t.Setenv("DOCKER_BUILDKIT", "0")
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	stage, err := cli.ImageInspect(ctx, stageRef)
	if err != nil {
		t.Fatalf("the classic build's stage image: %v", err)
	}
	removeImages(t, cli, stage.ID)

	t.Setenv("DOCKER_BUILDKIT", "1")
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM " + stagesBase + " AS build\n" +
		"RUN echo " + project + "-again > /out\n" +
		"FROM scratch\n" +
		"COPY --from=build /out /out\n"})
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ImageInspect(ctx, stageRef); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("%s is still there after a BuildKit build (inspect: %v)", stageRef, err)
	}
	if _, err := cli.ImageInspect(ctx, stage.ID); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("the classic build's stage image %s is still there (inspect: %v)", stage.ID, err)
	}
}
