package images

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
)

// stageTagMarker sets apart the tags stackctl gives the images a build's
// stages ended with. The tag is the record that stackctl made the image,
// kept by the engine itself: it holds across runs and for a remote engine,
// and `docker images` shows it under the service's image name.
const stageTagMarker = "-stackctl-stage-"

// maxTagLen is the longest tag the engine accepts.
const maxTagLen = 128

// StageRef is the reference stackctl tags the image that stage (counted
// from 1) of the build of ref ended with: app:latest's first stage is
// app:latest-stackctl-stage-1.
func StageRef(ref string, stage int) string {
	name, tag := splitTag(ref)
	suffix := fmt.Sprintf("%s%d", stageTagMarker, stage)
	if len(tag)+len(suffix) > maxTagLen {
		tag = tag[:maxTagLen-len(suffix)]
	}
	return name + ":" + tag + suffix
}

// splitTag splits ref into its name and tag (latest when it has none).
func splitTag(ref string) (name, tag string) {
	ref, _, _ = strings.Cut(ref, "@")
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[:colon], ref[colon+1:]
	}
	return ref, "latest"
}

// keepStages makes the stage images of the build of ref that just succeeded
// the cache of the next one: each gets its stage's tag, and the image that
// tag named before (the previous build's) is removed if that left it
// dangling and nothing uses it. Stage tags beyond the build's stages (the
// Dockerfile lost a stage) are removed the same way. Only images that
// carried one of our stage tags are ever removed, and never by force. It
// reports what it could not do and fails nothing: the build succeeded.
func (s *Store) keepStages(ctx context.Context, ref string, stages []string) {
	for i, id := range stages {
		if id == "" {
			continue
		}
		stageRef := StageRef(ref, i+1)
		previous, err := s.engine.ImageInspect(ctx, stageRef)
		switch {
		case err == nil && sameImage(previous.ID, id):
			continue
		case err != nil && !errors.Is(err, engine.ErrNotFound):
			s.reportStage(stageRef, err)
			continue
		}
		if err := s.engine.ImageTag(ctx, id, stageRef); err != nil {
			s.reportStage(stageRef, err)
			continue
		}
		if previous.ID != "" {
			s.removeIfDangling(ctx, stageRef, previous.ID)
		}
	}
	for stage := len(stages) + 1; ; stage++ {
		stageRef := StageRef(ref, stage)
		previous, err := s.engine.ImageInspect(ctx, stageRef)
		if err != nil {
			if !errors.Is(err, engine.ErrNotFound) {
				s.reportStage(stageRef, err)
			}
			return
		}
		if err := s.engine.ImageRemove(ctx, stageRef); err != nil {
			s.reportStage(stageRef, err)
			continue
		}
		s.removeIfDangling(ctx, stageRef, previous.ID)
	}
}

// removeIfDangling removes the image id, which has just lost our stageRef
// tag, unless it has a name still (someone tagged it) or the engine refuses
// because a container or another image uses it. The engine also removes its
// untagged parents that nothing else uses, and keeps the ones the new build
// shares: those are the cache.
func (s *Store) removeIfDangling(ctx context.Context, stageRef, id string) {
	img, err := s.engine.ImageInspect(ctx, id)
	if err != nil {
		s.reportStage(stageRef, err)
		return
	}
	if len(img.RepoTags) > 0 {
		return
	}
	if err := s.engine.ImageRemove(ctx, id); err != nil {
		s.reportStage(stageRef, err)
		return
	}
	s.report("image "+stageRef, "removed", "the previous build's "+ShortID(id), "info")
}

// reportStage says why an old stage image stays: gone already is fine, in
// use is expected, anything else is a problem worth showing (but the build
// succeeded all the same).
func (s *Store) reportStage(stageRef string, err error) {
	switch {
	case errors.Is(err, engine.ErrNotFound):
	case errors.Is(err, engine.ErrConflict):
		s.report("image "+stageRef, "kept", "the previous build's stage image is in use", "info")
	default:
		s.report("image "+stageRef, "not removed", err.Error(), "error")
	}
}

// sameImage reports whether the full ID full is the one short names.
func sameImage(full, short string) bool {
	return short != "" && strings.HasPrefix(strings.TrimPrefix(full, "sha256:"), strings.TrimPrefix(short, "sha256:"))
}
