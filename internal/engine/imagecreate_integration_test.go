package engine_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// On the engine: runs that make the same image side by side make one image,
// under its name, with nothing left dangling, on either image store.
func TestImageCreateIntegrationSideBySideMakesOneImage(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	ref := "stackctl-test/" + strings.ToLower(project) + ":1"
	labels := map[string]string{enginetest.DindLabel: project, "b": "2", "a": "1"}
	files := []engine.ImageFile{{Path: "probe", Mode: 0o755, Data: []byte(project)}}
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	mine := filters.NewArgs(filters.Arg("label", enginetest.DindLabel+"="+project))
	t.Cleanup(func() {
		left, _ := api.ImageList(ctx, image.ListOptions{All: true, Filters: mine})
		for _, img := range left {
			_, _ = api.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true, PruneChildren: true})
		}
	})

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = cli.ImageCreate(ctx, ref, files, labels, []string{"/probe"}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("ImageCreate %d of %d side by side: %v", i+1, len(errs), err)
		}
	}
	// And once more, later: still the same image.
	if err := cli.ImageCreate(ctx, ref, files, labels, []string{"/probe"}); err != nil {
		t.Errorf("ImageCreate again: %v", err)
	}

	made, err := api.ImageList(ctx, image.ListOptions{All: true, Filters: mine})
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 1 {
		var ids []string
		for _, img := range made {
			ids = append(ids, img.ID+" "+strings.Join(img.RepoTags, ","))
		}
		t.Fatalf("the engine holds %d images of these runs, want 1:\n%s", len(made), strings.Join(ids, "\n"))
	}
	got, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != made[0].ID || strings.Join(got.Entrypoint, " ") != "/probe" || got.Labels["a"] != "1" || got.Labels["b"] != "2" {
		t.Errorf("image %s = %+v, want ID %s, entrypoint /probe and labels a=1 b=2", ref, got, made[0].ID)
	}
	// The file is in the image: in a container of it, never started.
	id := enginetest.Create(t, cli, project, engine.ContainerSpec{Name: project + "-probe", Image: ref})
	stat, err := api.ContainerStatPath(ctx, id, "/probe")
	if err != nil || stat.Size != int64(len(project)) || stat.Mode.Perm() != 0o755 {
		t.Errorf("/probe in a container of %s: %+v, %v; want %d bytes, mode 0755", ref, stat, err, len(project))
	}
}
