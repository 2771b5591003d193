package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/moby/go-archive"
	"github.com/moby/patternmatcher/ignorefile"
)

// The engine alone: each round, the watch suite's change made once more
// with no tool at all, through the engine's API the moment the file is
// written (no quiet period), and timed from the write as the tools are.
// It is the least that any tool doing what develop.watch says can take:
//
//   - Go app (rebuild): the changed context built by the engine's BuildKit
//     from app/Dockerfile, with the cache mounts the tools' builds share,
//     until the image is built. No container is started yet, so the
//     tools' time to the change answering is longer still; and no client
//     runs meanwhile, which leaves the build more of the machine.
//   - Python app (sync+restart): the changed file copied into stackctl's
//     container of the app through the archive API and the container
//     restarted, until the client's answer holds the change.

// engineAloneTool is the "tool" of the engine-alone samples.
const engineAloneTool = "engine"

const (
	metricWatchGoEngine = "watch-go-engine"
	metricWatchPyEngine = "watch-py-engine"
)

// watchEngineRows are the engine-alone rows, each set beside half of
// Compose's time for the same change (the metric in half).
var watchEngineRows = []struct {
	metricRow
	half string
}{
	{metricRow{metricWatchGoEngine, "Go app: file written -> the engine's BuildKit built the image", unitSeconds, ""}, metricWatchGoServing},
	{metricRow{metricWatchPyEngine, "Python app: file written -> copied in, restarted, the change answers", unitSeconds, ""}, metricWatchPyServing},
}

// watchEngineCycle makes t's change through the engine alone, on t's copy
// of the source (stackctl's: its watch does not run meanwhile).
func (r *Runner) watchEngineCycle(ctx context.Context, round int, t *watchTool) error {
	ctx, cancel := context.WithTimeout(ctx, editTimeout)
	defer cancel()
	marker := fmt.Sprintf("%s-%d-%d", engineAloneTool, round, time.Now().UnixNano())
	edited, err := t.kind.markedSource(t.source, marker)
	if err != nil {
		return err
	}
	if t.kind == watchGo {
		return r.engineBuild(ctx, round, t, edited)
	}
	return r.engineSyncRestart(ctx, round, t, edited, marker)
}

// engineBuild writes the change and builds the app's context as the
// docker CLI sends it (less what .dockerignore names, the Dockerfile
// always), under a tag of its own that it removes after.
func (r *Runner) engineBuild(ctx context.Context, round int, t *watchTool, edited []byte) error {
	tag := t.Project + "-engine-alone:latest"
	wrote := time.Now()
	if err := os.WriteFile(filepath.Join(t.dir, t.kind.file), edited, 0o644); err != nil {
		return fmt.Errorf("change %s: %w", t.kind.file, err)
	}
	tarball, err := buildContext(t.dir)
	if err != nil {
		return err
	}
	defer tarball.Close()
	resp, err := r.eng.ImageBuild(ctx, tarball, build.ImageBuildOptions{
		Version: build.BuilderBuildKit, Dockerfile: "Dockerfile", Tags: []string{tag}, Remove: true,
	})
	if err != nil {
		return fmt.Errorf("build %s through the engine: %w", t.dir, err)
	}
	err = jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("build %s through the engine: %w", t.dir, err)
	}
	took := time.Since(wrote)
	if _, err := r.eng.ImageRemove(ctx, tag, image.RemoveOptions{}); err != nil {
		return fmt.Errorf("remove the engine-alone image %s: %w", tag, err)
	}
	r.record(Sample{Round: round, Tool: engineAloneTool, Metric: metricWatchGoEngine, Value: took.Seconds(), Unit: unitSeconds})
	return nil
}

// buildContext is dir as a build context: its .dockerignore honoured, as
// the docker CLI honours it, which keeps the Dockerfile and .dockerignore
// in whatever it names.
func buildContext(dir string) (io.ReadCloser, error) {
	var excludes []string
	if f, err := os.Open(filepath.Join(dir, ".dockerignore")); err == nil {
		excludes, err = ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s/.dockerignore: %w", dir, err)
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	excludes = slices.DeleteFunc(excludes, func(p string) bool { return p == "Dockerfile" || p == ".dockerignore" })
	tarball, err := archive.TarWithOptions(dir, &archive.TarOptions{ExcludePatterns: excludes})
	if err != nil {
		return nil, fmt.Errorf("pack the build context %s: %w", dir, err)
	}
	return tarball, nil
}

// engineSyncRestart writes the change, copies the file into the app's
// container where the sync puts it and restarts the container as the
// engine restarts it (its own stop timeout), under the suite's client.
func (r *Runner) engineSyncRestart(ctx context.Context, round int, t *watchTool, edited []byte, marker string) error {
	name := t.Project + "-web-1"
	tally, stopClient, wrote, err := t.writeUnderClient(ctx, edited, marker)
	if err != nil {
		return err
	}
	defer stopClient()
	var archived bytes.Buffer
	tw := tar.NewWriter(&archived)
	target := path.Join("/srv", t.kind.file)
	if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(target, "/"), Mode: 0o644, Size: int64(len(edited)), ModTime: wrote}); err != nil {
		return err
	}
	if _, err := tw.Write(edited); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := r.eng.CopyToContainer(ctx, name, "/", &archived, container.CopyToContainerOptions{}); err != nil {
		return fmt.Errorf("copy %s into %s: %w", target, name, err)
	}
	if err := r.eng.ContainerRestart(ctx, name, container.StopOptions{}); err != nil {
		return fmt.Errorf("restart %s: %w", name, err)
	}
	if err := poll(ctx, webGap, func(context.Context) (bool, error) { return !tally.changed().IsZero(), nil }); err != nil {
		return fmt.Errorf("wait for %s to answer with the change: %w", t.URL(), err)
	}
	stopClient()
	res := tally.result()
	r.record(Sample{Round: round, Tool: engineAloneTool, Metric: metricWatchPyEngine, Value: res.Serving.Seconds(), Unit: unitSeconds,
		Note: fmt.Sprintf("%d requests, %d failed", res.Requests, res.Failed)})
	return nil
}
