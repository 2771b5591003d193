package images_test

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// build.provenance and build.sbom: attestations kept with the image where
// the engine stores images in containerd's store, else refused when the
// build runs, naming the key and the engine. The SBOM is made by a
// stand-in scanner image the test builds (generator=), as BuildKit's
// scanner protocol runs one: the default scanner would be pulled.
func TestBuildAttestations(t *testing.T) {
	cli := enginetest.Connect(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	project := bkProject(t)
	dir, scannerDir := t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM scratch\nCOPY hello.txt /hello.txt\n", "hello.txt": "hello\n"})
	writeFiles(t, scannerDir, map[string]string{"Dockerfile": "FROM busybox:latest\n" +
		`ENTRYPOINT ["sh", "-c", "test -f $BUILDKIT_SCAN_SOURCE/hello.txt && printf '%s' '{\"_type\":\"https://in-toto.io/Statement/v0.1\",` +
		`\"predicateType\":\"https://spdx.dev/Document\",\"subject\":[],\"predicate\":{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"stand-in scanner\"}}' ` +
		`> $BUILDKIT_SCAN_DESTINATION/sbom.spdx.json"]` + "\n"})
	scanner := project + "-scanner"
	st := &stack.Stack{Project: project, Services: []stack.Service{
		{Name: "app", Image: project + "-app", Build: &stack.Build{Context: dir, Dockerfile: "Dockerfile",
			Attests: map[string]string{"provenance": "type=provenance,mode=max", "sbom": "type=sbom,generator=" + scanner}}},
		{Name: "scanner", Image: scanner, Build: &stack.Build{Context: scannerDir, Dockerfile: "Dockerfile"}},
	}}
	b := images.New(cli, nil)
	if err := b.Build(ctx, st, []string{"scanner"}); err != nil {
		t.Fatal(err)
	}
	err := b.Build(ctx, st, []string{"app"})
	containerd, infoErr := cli.ContainerdImageStore(ctx)
	if infoErr != nil {
		t.Fatal(infoErr)
	}
	if !containerd {
		want := "build.provenance: the engine at " + cli.Host() + " (Docker "
		if err == nil || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "stores its images outside the containerd image store, where an image keeps no attestation") {
			t.Fatalf("build with attestations without the containerd image store: %v, want a refusal containing %q", err, want)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	statements := attestations(t, rawAPI(t), project+"-app")
	var types []string
	for _, s := range statements {
		types = append(types, s.PredicateType)
		switch s.PredicateType {
		case "https://slsa.dev/provenance/v1":
			var p struct {
				BuildDefinition struct {
					InternalParameters map[string]json.RawMessage `json:"internalParameters"`
				} `json:"buildDefinition"`
			}
			if err := json.Unmarshal(s.Predicate, &p); err != nil {
				t.Fatal(err)
			}
			if _, ok := p.BuildDefinition.InternalParameters["buildConfig"]; !ok {
				t.Errorf("the provenance has no buildConfig: mode=max was not followed: %s", s.Predicate)
			}
		case "https://spdx.dev/Document":
			if !strings.Contains(string(s.Predicate), `"stand-in scanner"`) {
				t.Errorf("the SBOM is not the scanner's: %s", s.Predicate)
			}
		}
	}
	slices.Sort(types)
	if want := []string{"https://slsa.dev/provenance/v1", "https://spdx.dev/Document"}; !slices.Equal(types, want) {
		t.Errorf("the image's attestations are %q, want %q", types, want)
	}
}

// statement is an in-toto statement, as an attestation layer holds one.
type statement struct {
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

// attestations are the in-toto statements the image's saved blobs hold.
func attestations(t *testing.T, api *client.Client, ref string) []statement {
	t.Helper()
	saved, err := api.ImageSave(enginetest.Context(t, time.Minute), []string{ref})
	if err != nil {
		t.Fatalf("save %s: %v", ref, err)
	}
	defer saved.Close()
	var out []statement
	tr := tar.NewReader(saved)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read the saved %s: %v", ref, err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(h.Name, "blobs/") {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		var s statement
		if json.Unmarshal(data, &s) == nil && s.PredicateType != "" {
			out = append(out, s)
		}
	}
}
