package images_test

import (
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// no_cache_filter: a rebuild runs the named stage's steps again and takes
// the other stage's from the cache, through BuildKit's own API.
func TestBuildNoCacheFilterRunsTheNamedStageAgain(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir := t.TempDir()
	// The project's name is random: neither RUN is in the cache before
	// the first build.
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM " + buildKitBase + " AS deps\n" +
		"RUN echo " + project + "-deps > /deps\n" +
		"FROM " + buildKitBase + " AS app\n" +
		"COPY --from=deps /deps /deps\n" +
		"RUN echo " + project + "-app > /app\n"})
	st := buildStack(project, &stack.Build{Context: dir, Dockerfile: "Dockerfile", NoCacheFilter: []string{"app"}})
	eng := &stepEngine{Client: cli}
	store := images.New(eng, nil)
	// Every engine with BuildKit takes the filter through its API: 20.10's
	// Dockerfile frontend (API 1.41) already honours it per stage.
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatalf("build on API %s: %v", cli.APIVersion(), err)
	}
	eng.takeSteps()
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatalf("rebuild on API %s: %v", cli.APIVersion(), err)
	}
	steps := eng.takeSteps()
	if s := stepNamed(t, steps, "echo "+project+"-deps"); !s.Cached {
		t.Errorf("the rebuild ran %q, of a stage no_cache_filter does not name, instead of taking it from the cache", s.Name)
	}
	if s := stepNamed(t, steps, "echo "+project+"-app"); s.Cached {
		t.Errorf("the rebuild took %q, of the stage no_cache_filter names, from the cache", s.Name)
	}
}
