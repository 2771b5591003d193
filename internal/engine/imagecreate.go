package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// ImageFile is a file of an image ImageCreate makes.
type ImageFile struct {
	Path string
	Mode int64
	Data []byte
}

// ImageCreate creates ref as an image of just files, with the given labels
// and entrypoint: a small image stackctl makes for its own use, without a
// registry or a build.
//
// The image is the same, to the byte, whoever makes it and whenever: no
// timestamps, files and labels in a fixed order. So its ID is its content,
// and runs that make it side by side make one image, tagged once more by
// each, with no copy left dangling. It reaches the engine as an image
// archive (the docker save format) through /images/load, which every engine
// and both image stores take. The containerd image store refuses the
// second of two loads at once ("already exists"): when the load fails and
// the image is there by then, with these labels and this entrypoint, it is
// the other's, and the same.
func (c *Client) ImageCreate(ctx context.Context, ref string, files []ImageFile, labels map[string]string, entrypoint []string) error {
	platform, err := c.Platform(ctx)
	if err != nil {
		return fmt.Errorf("create image %s: %w", ref, err)
	}
	archive, err := imageArchive(ref, platform, files, labels, entrypoint)
	if err != nil {
		return fmt.Errorf("create image %s: %w", ref, err)
	}
	err = c.loadImage(ctx, archive)
	if err == nil {
		return nil
	}
	if img, inspectErr := c.ImageInspect(ctx, ref); inspectErr == nil &&
		slices.Equal(img.Entrypoint, entrypoint) && maps.Equal(img.Labels, labels) {
		return nil
	}
	return fmt.Errorf("create image %s: %w", ref, err)
}

func (c *Client) loadImage(ctx context.Context, archive []byte) error {
	res, err := c.api.ImageLoad(ctx, bytes.NewReader(archive), client.ImageLoadWithQuiet(true))
	if err != nil {
		return classify(err, "load an image archive")
	}
	defer res.Body.Close()
	return DecodeMessages(res.Body, func(jsonmessage.JSONMessage) {})
}

// imageArchive is the image archive of one layer holding files, for the
// engine's platform (os/arch[/variant]).
func imageArchive(ref, platform string, files []ImageFile, labels map[string]string, entrypoint []string) ([]byte, error) {
	var layer bytes.Buffer
	lw := tar.NewWriter(&layer)
	for _, f := range files {
		if err := lw.WriteHeader(&tar.Header{Name: f.Path, Mode: f.Mode, Size: int64(len(f.Data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := lw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := lw.Close(); err != nil {
		return nil, err
	}
	layerDigest := sha256.Sum256(layer.Bytes())
	diffID := "sha256:" + hex.EncodeToString(layerDigest[:])

	osName, arch, variant := platformParts(platform)
	// encoding/json writes map keys sorted: the same labels, the same bytes.
	config, err := json.Marshal(imageConfig{
		Architecture: arch, OS: osName, Variant: variant,
		Config: imageRunConfig{Entrypoint: entrypoint, Labels: labels},
		RootFS: imageRootFS{Type: "layers", DiffIDs: []string{diffID}},
	})
	if err != nil {
		return nil, err
	}
	configDigest := sha256.Sum256(config)
	configName := hex.EncodeToString(configDigest[:]) + ".json"
	layerName := hex.EncodeToString(layerDigest[:]) + "/layer.tar"
	manifest, err := json.Marshal([]archiveManifest{{Config: configName, RepoTags: []string{ref}, Layers: []string{layerName}}})
	if err != nil {
		return nil, err
	}

	var out bytes.Buffer
	w := tar.NewWriter(&out)
	for _, f := range []struct {
		name string
		data []byte
	}{{configName, config}, {layerName, layer.Bytes()}, {"manifest.json", manifest}} {
		if err := w.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func platformParts(platform string) (osName, arch, variant string) {
	parts := strings.SplitN(platform, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// The parts of the image configuration and archive manifest that
// ImageCreate writes (the OCI image configuration and docker save's
// manifest.json).
type imageConfig struct {
	Architecture string         `json:"architecture"`
	OS           string         `json:"os"`
	Variant      string         `json:"variant,omitempty"`
	Config       imageRunConfig `json:"config"`
	RootFS       imageRootFS    `json:"rootfs"`
}

type imageRunConfig struct {
	Entrypoint []string          `json:"Entrypoint,omitempty"`
	Labels     map[string]string `json:"Labels,omitempty"`
}

type imageRootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type archiveManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}
