package images_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/docker/docker/client"
)

// savedImage is what `docker save` of ref holds, read through its
// manifest.json, in either layout the engines write (the graph drivers'
// <id>.json and <dir>/layer.tar, the containerd image store's OCI blobs):
// the image's configuration, and each layer's tar, uncompressed.
type savedImage struct {
	config []byte
	layers [][]byte
}

func saveImage(t *testing.T, ctx context.Context, api *client.Client, ref string) savedImage {
	t.Helper()
	rc, err := api.ImageSave(ctx, []string{ref})
	if err != nil {
		t.Fatalf("save %s: %v", ref, err)
	}
	defer rc.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read the save of %s: %v", ref, err)
		}
		if files[hdr.Name], err = io.ReadAll(tr); err != nil {
			t.Fatalf("read the save of %s: %v", ref, err)
		}
	}
	var manifest []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("the save of %s: manifest.json %q: %v, want one image", ref, files["manifest.json"], err)
	}
	out := savedImage{config: files[manifest[0].Config]}
	if out.config == nil {
		t.Fatalf("the save of %s has no %s", ref, manifest[0].Config)
	}
	for _, name := range manifest[0].Layers {
		layer, ok := files[name]
		if !ok {
			t.Fatalf("the save of %s has no layer %s", ref, name)
		}
		if bytes.HasPrefix(layer, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(bytes.NewReader(layer))
			if err != nil {
				t.Fatalf("layer %s of %s: %v", name, ref, err)
			}
			if layer, err = io.ReadAll(zr); err != nil {
				t.Fatalf("layer %s of %s: %v", name, ref, err)
			}
		}
		out.layers = append(out.layers, layer)
	}
	return out
}
