package enginetest

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest/leakcheck"
)

// BuildCacheRepo is the repository of the images `make test` keeps from one
// run to the next on purpose: a build's stage images, whose parents are
// the layers that are slow to make (the app's dependencies, downloaded and
// compiled, which outlast any test's own work). Tests' own builds reuse
// those layers; everything else a build makes goes with the test
// (RemoveProjectImages).
const BuildCacheRepo = leakcheck.BuildCacheRepo

// KeepBuildCache builds the build context dir (its Dockerfile) and keeps
// the image each of its stages but the last ended with, tagged
// BuildCacheRepo:<name>-stage-N. With BuildKit the build leaves no stage
// images: it warms BuildKit's own cache, which is no image, and nothing is
// tagged. The image these tags named before is
// removed with the parents no other image uses; the final image is
// removed too (it is no test's).
func KeepBuildCache(ctx context.Context, cli *engine.Client, api *client.Client, dir, name string) error {
	final := fmt.Sprintf("%s:%s-build", BuildCacheRepo, name)
	var stages engine.BuildStages
	if _, err := cli.ImageBuild(ctx, engine.BuildSpec{ContextDir: dir, Dockerfile: "Dockerfile", Tag: final}, stages.Event); err != nil {
		return fmt.Errorf("build %s for the build cache: %w", dir, err)
	}
	var errs []error
	for i, id := range stages.Images() {
		if id == "" {
			continue
		}
		ref := fmt.Sprintf("%s:%s-stage-%d", BuildCacheRepo, name, i+1)
		previous, err := cli.ImageInspect(ctx, ref)
		if err := cli.ImageTag(ctx, id, ref); err != nil {
			errs = append(errs, fmt.Errorf("tag the build cache %s: %w", ref, err))
			continue
		}
		if err == nil && previous.ID != "" {
			errs = append(errs, RemoveUnusedImage(ctx, api, previous.ID))
		}
	}
	if _, err := api.ImageRemove(ctx, final, image.RemoveOptions{PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("remove %s: %w", final, err))
	}
	return errors.Join(errs...)
}

// RemoveUnusedImage removes an untagged image and the parents nothing else
// uses; one still in use or tagged (by a later build, again) stays.
func RemoveUnusedImage(ctx context.Context, api *client.Client, id string) error {
	in, err := api.ImageInspect(ctx, id)
	if cerrdefs.IsNotFound(err) || (err == nil && len(in.RepoTags) > 0) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = api.ImageRemove(ctx, id, image.RemoveOptions{PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
		return fmt.Errorf("remove image %s: %w", id, err)
	}
	return nil
}
