package images_test

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// cacheBase has a shell and dd, and is small to load into a second engine
// (`make images` provides it).
const cacheBase = "golang:1.26"

// buildCacheSize is the size of the engine's BuildKit cache that no build
// uses.
func buildCacheSize(t *testing.T, ctx context.Context, host string) int64 {
	t.Helper()
	api, err := client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	du, err := api.DiskUsage(ctx, types.DiskUsageOptions{Types: []types.DiskUsageObject{types.BuildCacheObject}})
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	// Shared records are layers of images too (with the containerd image
	// store, every image's): they go with the images, not with the cache,
	// and `docker system df` leaves them out of the cache's usage.
	for _, r := range du.BuildCache {
		if !r.InUse && !r.Shared {
			size += r.Size
		}
	}
	return size
}

// Builds keep the engine's BuildKit cache within STACKCTL_BUILD_CACHE_KEEP:
// a build that leaves 32 MB in a cache mount leaves them with the bound
// off, and a build under a 4 MB bound prunes the cache down to it. On an
// engine of its own: the bound is the engine's, not the project's.
func TestBuildKitCacheStaysWithinItsBound(t *testing.T) {
	inner := enginetest.Dind(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	if err := inner.LoadImages(ctx, cacheBase); err != nil {
		t.Fatal(err)
	}
	project := bkProject(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + cacheBase + "\n" +
			"COPY stamp /stamp\n" +
			"RUN --mount=type=cache,target=/cache dd if=/dev/urandom of=/cache/fill bs=1M count=32\n",
		"stamp": "one\n",
	})
	st := &stack.Stack{Project: project, Services: []stack.Service{{
		Name: "app", Image: project + "-app", Build: &stack.Build{Context: dir, Dockerfile: "Dockerfile"},
	}}}
	store := images.New(inner.Client, nil)

	t.Setenv("STACKCTL_BUILD_CACHE_KEEP", "off")
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if size := buildCacheSize(t, ctx, inner.Host); size < 32<<20 {
		t.Fatalf("the build cache holds %d bytes after a build that wrote 32 MB to a cache mount, bound off", size)
	}

	t.Setenv("STACKCTL_BUILD_CACHE_KEEP", "4MB")
	writeFiles(t, dir, map[string]string{"stamp": "two\n"})
	if err := store.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if size := buildCacheSize(t, ctx, inner.Host); size > 4_000_000 {
		t.Errorf("the build cache holds %d bytes after a build bounded to 4 MB", size)
	}
}
