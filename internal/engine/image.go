package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/registry"
	"github.com/docker/docker/pkg/jsonmessage"
)

// ImageInspect returns the local image ref; ErrNotFound when it is absent.
func (c *Client) ImageInspect(ctx context.Context, ref string) (Image, error) {
	img, err := c.api.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, classify(err, "inspect image %s", ref)
	}
	out := Image{ID: img.ID, RepoTags: img.RepoTags, Tagged: img.Metadata.LastTagTime}
	if img.Config != nil {
		out.Labels = img.Config.Labels
		out.Entrypoint, out.Cmd = img.Config.Entrypoint, img.Config.Cmd
		for path := range img.Config.Volumes {
			out.Volumes = append(out.Volumes, path)
		}
		slices.Sort(out.Volumes)
	}
	return out, nil
}

// ImagePull pulls ref, calling progress with each status line.
func (c *Client) ImagePull(ctx context.Context, ref string, progress func(string)) error {
	stream, err := c.api.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return classify(err, "pull image %s", ref)
	}
	defer stream.Close()
	err = DecodeMessages(stream, func(m jsonmessage.JSONMessage) {
		if m.Status != "" && progress != nil {
			line := m.Status
			if m.Progress != nil {
				line += " " + m.Progress.String()
			}
			progress(line)
		}
	})
	if err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	return nil
}

// DecodeMessages reads the engine's JSON message stream (a pull, a build,
// an import or a load), handing each message to onMessage, and returns the
// stream's own error message if it ends in one.
func DecodeMessages(stream io.Reader, onMessage func(jsonmessage.JSONMessage)) error {
	dec := json.NewDecoder(stream)
	for {
		var m jsonmessage.JSONMessage
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read engine output: %w", err)
		}
		if m.Error != nil {
			return m.Error
		}
		onMessage(m)
	}
}

// ImageRemove removes a local image (and its untagged parents).
func (c *Client) ImageRemove(ctx context.Context, ref string) error {
	if _, err := c.api.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true}); err != nil {
		return classify(err, "remove image %s", ref)
	}
	return nil
}

// Platform is the engine's os/architecture, as linux/amd64.
func (c *Client) Platform(ctx context.Context) (string, error) {
	v, err := c.api.ServerVersion(ctx)
	if err != nil {
		return "", classify(err, "ask the engine its version")
	}
	return v.Os + "/" + v.Arch, nil
}

// ImageTag gives the local image source the reference target too (a
// registry's name for it, before a push).
func (c *Client) ImageTag(ctx context.Context, source, target string) error {
	if err := c.api.ImageTag(ctx, source, target); err != nil {
		return classify(err, "tag image %s as %s", source, target)
	}
	return nil
}

// ImagePush pushes ref to its registry, calling progress with each status
// line, and returns the digest the registry stored it under, so that every
// node of a swarm runs exactly the image pushed. No credentials are sent:
// stackctl pushes to a registry of its own swarm.
func (c *Client) ImagePush(ctx context.Context, ref string, progress func(string)) (string, error) {
	auth, err := registry.EncodeAuthConfig(registry.AuthConfig{})
	if err != nil {
		return "", fmt.Errorf("push image %s: %w", ref, err)
	}
	stream, err := c.api.ImagePush(ctx, ref, image.PushOptions{RegistryAuth: auth})
	if err != nil {
		return "", classify(err, "push image %s", ref)
	}
	defer stream.Close()
	digest, err := pushDigest(stream, progress)
	if err != nil {
		return "", fmt.Errorf("push image %s: %w", ref, err)
	}
	return digest, nil
}

// pushDigest reads a push's message stream: its status lines go to
// progress, and the digest comes in the aux message that ends a pushed tag
// (the graph drivers' store) or only in the status line "TAG: digest: D
// size: N" that ends it (the containerd image store, Docker 29's default).
// The aux message wins where both come.
func pushDigest(stream io.Reader, progress func(string)) (string, error) {
	var fromAux, fromStatus string
	err := DecodeMessages(stream, func(m jsonmessage.JSONMessage) {
		if m.Aux != nil {
			var result types.PushResult
			if json.Unmarshal(*m.Aux, &result) == nil && result.Digest != "" {
				fromAux = result.Digest
			}
			return
		}
		if m.Status == "" {
			return
		}
		if d := pushedDigestLine.FindStringSubmatch(m.Status); d != nil {
			fromStatus = d[1]
		}
		if progress != nil {
			line := m.Status
			if m.ID != "" {
				line = m.ID + ": " + line
			}
			progress(line)
		}
	})
	if err != nil {
		return "", err
	}
	switch {
	case fromAux != "":
		return fromAux, nil
	case fromStatus != "":
		return fromStatus, nil
	}
	return "", errors.New("the engine reported no digest for the pushed image")
}

// pushedDigestLine is the status line an engine ends a pushed tag with.
var pushedDigestLine = regexp.MustCompile(`^\S+: digest: (sha256:[0-9a-f]{64}) size: \d+$`)

// Distribution is what a registry holds for an image reference.
type Distribution struct {
	// Digest is the manifest's (an index's, for a multi-platform image).
	Digest string
	// Platforms are the ones the image is for, as os/architecture.
	Platforms []string
}

// DistributionInspect asks the image's registry, through the engine, what
// ref stands for: whether the swarm's nodes will find it, and as which
// digest. Registries answer an unknown image variously (not found, or
// access denied), so the error keeps the engine's words.
func (c *Client) DistributionInspect(ctx context.Context, ref string) (Distribution, error) {
	auth, err := registry.EncodeAuthConfig(registry.AuthConfig{})
	if err != nil {
		return Distribution{}, fmt.Errorf("look up image %s in its registry: %w", ref, err)
	}
	d, err := c.api.DistributionInspect(ctx, ref, auth)
	if err != nil {
		return Distribution{}, classify(err, "look up image %s in its registry", ref)
	}
	out := Distribution{Digest: string(d.Descriptor.Digest)}
	for _, p := range d.Platforms {
		out.Platforms = append(out.Platforms, p.OS+"/"+p.Architecture)
	}
	return out, nil
}
