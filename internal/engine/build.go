package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/pkg/jsonmessage"
)

// BuildError is a failed build, with the step that failed and what it printed.
type BuildError struct {
	Tag    string
	Step   string
	Output []string
	Err    error
}

func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "build image %s failed", e.Tag)
	if e.Step != "" {
		fmt.Fprintf(&b, " at %s", e.Step)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if len(e.Output) > 0 {
		b.WriteString("\n--- output of the failing step ---\n")
		b.WriteString(strings.Join(e.Output, "\n"))
	}
	return b.String()
}

func (e *BuildError) Unwrap() error { return e.Err }

// maxStepOutput bounds how much of a failing step's output an error carries.
const maxStepOutput = 40

// ImageBuild builds spec with the classic builder (every engine has it) and
// returns the new image's ID. progress receives each line of build output.
func (c *Client) ImageBuild(ctx context.Context, spec BuildSpec, progress func(string)) (string, error) {
	buildContext, err := tarContext(spec.ContextDir, spec.Dockerfile)
	if err != nil {
		return "", err
	}
	defer buildContext.Close()

	resp, err := c.api.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags:        []string{spec.Tag},
		Dockerfile:  spec.Dockerfile,
		Labels:      spec.Labels,
		BuildArgs:   buildArgs(spec.Args),
		Target:      spec.Target,
		NoCache:     spec.NoCache,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		if saysNoSpace(err.Error()) {
			err = noSpace(c.Host(), err)
		}
		return "", classify(err, "build image %s", spec.Tag)
	}
	defer resp.Body.Close()

	var (
		imageID string
		step    string
		output  []string
	)
	err = DecodeMessages(resp.Body, func(m jsonmessage.JSONMessage) {
		if m.Aux != nil {
			var aux build.Result
			if json.Unmarshal(*m.Aux, &aux) == nil && aux.ID != "" {
				imageID = aux.ID
			}
		}
		for _, line := range strings.Split(strings.TrimRight(m.Stream, "\n"), "\n") {
			if line == "" {
				continue
			}
			if progress != nil {
				progress(line)
			}
			if strings.HasPrefix(line, "Step ") {
				step, output = line, output[:0]
				continue
			}
			output = append(output, line)
			if len(output) > maxStepOutput {
				output = output[len(output)-maxStepOutput:]
			}
		}
	})
	if err != nil {
		// A step that ran out of space mostly fails with its own words
		// ("dd: error writing '/big': No space left on device") and the
		// builder's "returned a non-zero code".
		if saysNoSpace(err.Error()) || slices.ContainsFunc(output, saysNoSpace) {
			err = noSpace(c.Host(), err)
		}
		return "", &BuildError{Tag: spec.Tag, Step: step, Output: output, Err: err}
	}
	if imageID == "" {
		img, err := c.ImageInspect(ctx, spec.Tag)
		if err != nil {
			return "", fmt.Errorf("build image %s: find the result: %w", spec.Tag, err)
		}
		imageID = img.ID
	}
	return imageID, nil
}

func buildArgs(args map[string]string) map[string]*string {
	if len(args) == 0 {
		return nil
	}
	out := make(map[string]*string, len(args))
	for k, v := range args {
		out[k] = &v
	}
	return out
}
