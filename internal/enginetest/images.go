package enginetest

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/stack"
)

// RemoveProjectImages removes every image built for project from the engine
// (DOCKER_HOST's): each carries the project's label. Removing the tags the
// stack names is not enough: a rebuild moves its tag to the new image and
// leaves the one it replaced untagged, so a test that changes its build
// context leaves one image per change. The stage images its builds kept as
// their cache (tagged after the image, images.StageRef) lose their tags
// too. Call it once the project's containers are gone.
func RemoveProjectImages(ctx context.Context, project string) error {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("connect to the engine to remove the images of project %s: %w", project, err)
	}
	defer api.Close()
	imgs, err := api.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+project))})
	if err != nil {
		return fmt.Errorf("list the images of project %s: %w", project, err)
	}
	var errs []error
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			if tag == "<none>:<none>" { // what the engine lists for an untagged image
				continue
			}
			errs = append(errs, removeStageTags(ctx, api, tag)...)
		}
	}
	for _, img := range imgs {
		// Force: one image may carry several tags, all of them the
		// project's (a stack's name and a registry's).
		_, err := api.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true, PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove image %s of project %s: %w", img.ID, project, err))
		}
	}
	return errors.Join(errs...)
}

// removeStageTags removes the tags the builds of ref gave their stage
// images. Other tests' builds of app/ share such an image (and tag it too);
// with the last tag it goes, with its parents that no other image uses: the
// dependencies' layer stays while the build cache (KeepBuildCache) holds
// it, and the layers of the test's own sources go.
func removeStageTags(ctx context.Context, api *client.Client, ref string) []error {
	for stage := 1; ; stage++ {
		stageRef := images.StageRef(ref, stage)
		_, err := api.ImageRemove(ctx, stageRef, image.RemoveOptions{PruneChildren: true})
		if cerrdefs.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return []error{fmt.Errorf("remove stage image %s: %w", stageRef, err)}
		}
	}
}
