package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/docker/pkg/jsonmessage"
)

// buildKitBuild builds spec with the engine's BuildKit, through the same
// /build endpoint as the classic builder (version 2): the context goes up
// as a tar (or is the remote URL), and a session is opened only for what
// the build must fetch from this side (secrets, ssh). BuildKit reports its
// steps as protobuf status messages, which become spec's step events.
func (c *Client) buildKitBuild(ctx context.Context, spec BuildSpec, progress func(BuildEvent)) (string, error) {
	if err := c.buildKitTakes(ctx, spec); err != nil {
		return "", err
	}
	if needsSolve(spec) {
		return c.solveBuild(ctx, spec, progress)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sess, err := c.openBuildSession(ctx, spec)
	if err != nil {
		return "", err
	}
	sessionID := ""
	if sess != nil {
		defer sess.Close()
		sessionID = sess.ID()
	}
	messages, err := c.postBuild(ctx, spec, build.BuilderBuildKit, sessionID)
	if err != nil {
		return "", err
	}
	defer messages.Close()

	var (
		imageID  string
		trace    = newBuildTrace()
		traceErr error
	)
	report := func(s BuildStep) { progress(BuildEvent{Step: &s}) }
	err = DecodeMessages(messages, func(m jsonmessage.JSONMessage) {
		if m.Aux == nil {
			return
		}
		switch m.ID {
		case buildTraceID:
			status, err := decodeTrace(*m.Aux)
			if err != nil {
				traceErr = err
				return
			}
			trace.apply(status, report)
		case buildImageID:
			var result build.Result
			if json.Unmarshal(*m.Aux, &result) == nil && result.ID != "" {
				imageID = result.ID
			}
		}
	})
	if err != nil {
		step, output := trace.failure()
		if saysNoSpace(err.Error()) || slices.ContainsFunc(output, saysNoSpace) {
			err = noSpace(c.Host(), err)
		}
		return "", &BuildError{Tag: spec.Tag, Step: step, Output: output, Err: err}
	}
	if traceErr != nil {
		// The image is built; only its progress could not be read.
		progress(BuildEvent{Notice: traceErr.Error()})
	}
	return c.builtImage(ctx, spec.Tag, imageID)
}

// minRunSettingsAPI is the first API version whose engine hands shm_size and
// ulimits to BuildKit's RUN steps (Docker 23); older ones drop them.
const minRunSettingsAPI = "1.42"

// minNamedContextsAPI is the first API version whose engine's BuildKit
// has a Dockerfile frontend with named contexts (Docker 23, BuildKit 0.10,
// Dockerfile 1.4). Docker 20.10's ignores them: FROM or COPY --from a
// context's name then looks for an image of that name in a registry.
const minNamedContextsAPI = "1.42"

// containerdStoreTakes refuses what only an engine with the containerd
// image store keeps: an image of several platforms, and attestations
// (the moby exporter of another keeps none, and buildx's docker driver
// refuses them there).
func (c *Client) containerdStoreTakes(ctx context.Context, spec BuildSpec) error {
	key := attestKey(spec)
	if key == "" && len(spec.Platforms) < 2 {
		return nil
	}
	containerd, err := c.ContainerdImageStore(ctx)
	if err != nil {
		return fmt.Errorf("build image %s: %w", spec.Tag, err)
	}
	switch {
	case containerd:
		return nil
	case len(spec.Platforms) > 1:
		return fmt.Errorf("build image %s: build.platforms: %q: the engine at %s (%s) stores one platform's image per name: "+
			"several need an engine with the containerd image store (Docker Engine 24.0 and later, the default from 29.0); "+
			"name one platform here", spec.Tag, spec.Platforms, c.Host(), c.versionText(ctx))
	}
	return fmt.Errorf("build image %s: %s: the engine at %s (%s) stores its images outside the containerd image store, "+
		"where an image keeps no attestation: attestations need an engine with the containerd image store "+
		"(Docker Engine 24.0 and later, the default from 29.0), as buildx's docker driver says", spec.Tag, key, c.Host(), c.versionText(ctx))
}

// buildKitTakes refuses what the engine's BuildKit cannot build, or would
// silently drop.
func (c *Client) buildKitTakes(ctx context.Context, spec BuildSpec) error {
	v := c.api.ClientVersion()
	if len(spec.NamedContexts) > 0 && versions.LessThan(v, minNamedContextsAPI) {
		return fmt.Errorf("build image %s: build.additional_contexts: the engine at %s (%s) builds with a BuildKit whose Dockerfile frontend "+
			"has no named contexts: they need an engine of API %s (Docker Engine 23.0) or later; "+
			"on this one, COPY from a stage of the Dockerfile, or build the other image first and name it in FROM",
			spec.Tag, c.Host(), c.versionText(ctx), minNamedContextsAPI)
	}
	if err := c.containerdStoreTakes(ctx, spec); err != nil {
		return err
	}
	if !versions.LessThan(v, minRunSettingsAPI) {
		return nil
	}
	var dropped []string
	if spec.ShmSize > 0 {
		dropped = append(dropped, "shm_size")
	}
	if len(spec.Ulimits) > 0 {
		dropped = append(dropped, "ulimits")
	}
	if len(dropped) == 0 {
		return nil
	}
	return fmt.Errorf("build image %s: %s: the engine at %s (API %s) does not hand them to BuildKit's RUN steps "+
		"(API %s, Docker 23, is the first that does): remove them, or build with the classic builder (DOCKER_BUILDKIT=0)",
		spec.Tag, strings.Join(dropped, " and "), c.Host(), v, minRunSettingsAPI)
}
