package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
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

// ErrNeedsBuildKit is a build that the classic builder cannot make.
var ErrNeedsBuildKit = errors.New("needs BuildKit")

// maxStepOutput bounds how much of a failing step's output an error carries.
const maxStepOutput = 40

// ImageBuild builds spec and returns the new image's ID. It builds with the
// engine's BuildKit, or with the classic builder where the engine has none
// or DOCKER_BUILDKIT=0 says so (a Notice event says which, and why).
// progress receives the steps as they start and end.
func (c *Client) ImageBuild(ctx context.Context, spec BuildSpec, progress func(BuildEvent)) (string, error) {
	if progress == nil {
		progress = func(BuildEvent) {}
	}
	buildKit, why, err := c.builder()
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", spec.Tag, err)
	}
	if buildKit {
		return c.buildKitBuild(ctx, spec, progress)
	}
	progress(BuildEvent{Notice: "building with the classic builder: " + why})
	return c.classicBuild(ctx, spec, why, progress)
}

// postBuild sends spec to the engine's /build for the builder version
// names, within the build session sessionID ("" for none), and returns the
// engine's messages. Closing them ends the context's upload too: the
// engine may read the context while it answers.
func (c *Client) postBuild(ctx context.Context, spec BuildSpec, version build.BuilderVersion, sessionID string) (io.ReadCloser, error) {
	upload, dockerfile, err := buildContext(spec)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if upload != nil {
		body = upload
	}
	opts := buildOptions(spec, dockerfile)
	opts.Version = version
	opts.SessionID = sessionID
	resp, err := c.api.ImageBuild(ctx, body, opts)
	if err != nil {
		if upload != nil {
			upload.Close()
		}
		if saysNoSpace(err.Error()) {
			err = noSpace(c.Host(), err)
		}
		return nil, classify(err, "build image %s", spec.Tag)
	}
	return buildMessages{ReadCloser: resp.Body, upload: upload}, nil
}

// buildMessages are the engine's answer to a build, and the context's
// upload that ends with it.
type buildMessages struct {
	io.ReadCloser
	upload io.Closer
}

func (m buildMessages) Close() error {
	err := m.ReadCloser.Close()
	if m.upload != nil {
		err = errors.Join(err, m.upload.Close())
	}
	return err
}

// buildOptions are the options both builders take from spec.
func buildOptions(spec BuildSpec, dockerfile string) build.ImageBuildOptions {
	opts := build.ImageBuildOptions{
		Tags:          append([]string{spec.Tag}, spec.ExtraTags...),
		RemoteContext: spec.RemoteContext,
		Dockerfile:    dockerfile,
		Labels:        spec.Labels,
		BuildArgs:     buildArgs(spec.Args),
		Target:        spec.Target,
		NoCache:       spec.NoCache,
		PullParent:    spec.Pull,
		NetworkMode:   spec.Network,
		ExtraHosts:    spec.ExtraHosts,
		ShmSize:       spec.ShmSize,
		Platform:      spec.Platform,
		Isolation:     container.Isolation(spec.Isolation),
		CacheFrom:     spec.CacheFrom,
		Remove:        true,
		ForceRemove:   true,
	}
	for _, u := range spec.Ulimits {
		opts.Ulimits = append(opts.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	if spec.InlineCache {
		if opts.BuildArgs == nil {
			opts.BuildArgs = map[string]*string{}
		}
		on := "1"
		opts.BuildArgs["BUILDKIT_INLINE_CACHE"] = &on
	}
	return opts
}

// classicBuild builds spec with the classic builder, which every engine
// has. why is why BuildKit does not build it, for what needs BuildKit.
func (c *Client) classicBuild(ctx context.Context, spec BuildSpec, why string, progress func(BuildEvent)) (string, error) {
	if needs := classicCannot(spec); needs != "" {
		return "", fmt.Errorf("build image %s: %s %w, and %s", spec.Tag, needs, ErrNeedsBuildKit, why)
	}
	messages, err := c.postBuild(ctx, spec, build.BuilderV1, "")
	if err != nil {
		return "", err
	}
	defer messages.Close()

	var (
		imageID string
		step    string
		output  []string
	)
	err = DecodeMessages(messages, func(m jsonmessage.JSONMessage) {
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
			progress(BuildEvent{Line: line})
			if strings.HasPrefix(line, "Step ") {
				step, output = line, output[:0]
				progress(BuildEvent{Step: &BuildStep{Name: line}})
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
		if flag := buildKitFlag(err.Error()); flag != "" {
			err = fmt.Errorf("%w: the Dockerfile uses %s, which %w, and %s", err, flag, ErrNeedsBuildKit, why)
		}
		return "", &BuildError{Tag: spec.Tag, Step: step, Output: output, Err: err}
	}
	return c.builtImage(ctx, spec.Tag, imageID)
}

// classicCannot names what of spec only BuildKit builds ("" when nothing).
func classicCannot(spec BuildSpec) string {
	switch {
	case len(spec.Secrets) > 0:
		return "a build secret"
	case len(spec.SSH) > 0:
		return "ssh forwarding"
	case spec.InlineCache:
		return "an inline cache"
	case len(spec.NamedContexts) > 0:
		return "build.additional_contexts"
	case len(spec.NoCacheFilter) > 0:
		return "build.no_cache_filter"
	case len(spec.Platforms) > 1:
		return "building several platforms"
	case entitlementKey(spec) != "":
		return entitlementKey(spec)
	case attestKey(spec) != "":
		return attestKey(spec)
	}
	return ""
}

// buildKitFlag names the BuildKit-only instruction flag the classic
// builder refused in msg ("" when it refused none): 20.10 says "Unknown
// flag: mount", newer engines that "the --mount option requires BuildKit".
func buildKitFlag(msg string) string {
	for _, flag := range []string{"mount", "network", "security", "chmod", "link", "parents", "exclude", "checksum"} {
		if strings.Contains(msg, "Unknown flag: "+flag) || strings.Contains(msg, "--"+flag+" option requires BuildKit") {
			return "--" + flag
		}
	}
	return ""
}

// builtImage is the ID of the image just built: the one the builder named,
// else the one its tag names.
func (c *Client) builtImage(ctx context.Context, tag, imageID string) (string, error) {
	if imageID != "" {
		return imageID, nil
	}
	img, err := c.ImageInspect(ctx, tag)
	if err != nil {
		return "", fmt.Errorf("build image %s: find the result: %w", tag, err)
	}
	return img.ID, nil
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
