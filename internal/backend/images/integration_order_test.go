package images_test

import (
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// A service whose Dockerfile builds FROM the image of a service it
// depends on is built once that image is: the build finds it on the
// engine, never in a registry.
func TestABuildFromADependencysImageRunsAfterIt(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	baseDir, appDir := t.TempDir(), t.TempDir()
	writeFiles(t, baseDir, map[string]string{"Dockerfile": "FROM " + buildKitBase + "\nRUN echo " + project + " > /marker\n"})
	writeFiles(t, appDir, map[string]string{"Dockerfile": "FROM " + project + "-base\nRUN cp /marker /seen\n"})
	st := &stack.Stack{Project: project, Services: []stack.Service{
		// app first: side by side, its build would start before base's.
		{Name: "app", Image: project + "-app", Build: &stack.Build{Context: appDir, Dockerfile: "Dockerfile"},
			DependsOn: []stack.Dependency{{Service: "base", Condition: stack.ServiceStarted, Required: true}}},
		{Name: "base", Image: project + "-base", Build: &stack.Build{Context: baseDir, Dockerfile: "Dockerfile"}},
	}}
	if err := images.New(cli, nil).Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if got := readImageFile(t, ctx, rawAPI(t), project+"-app", "/seen"); got != project {
		t.Errorf("app's /seen is %q, want %q from base's build", got, project)
	}
}
