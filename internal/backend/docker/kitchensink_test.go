package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/network"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/golden"
	"github.com/stackctl/stackctl/internal/stack"
)

// kitchenSinkAPI is the newest API the SDK speaks: the one at which every
// key the kitchen sink sets reaches the engine.
const kitchenSinkAPI = "1.51"

// The kitchen sink's exact engine requests: each container's create
// request, each network's and volume's, and what the service does beside
// them (pull policy, hooks, the dependencies its keys add). Every key the
// table honours on one engine shows in testdata/kitchensink.golden.
func TestKitchenSinkRequests(t *testing.T) {
	t.Setenv("KITCHEN_TOKEN", "kitchen-token")
	dir, err := filepath.Abs(filepath.Join("testdata", "kitchensink"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}})
	if err != nil {
		t.Fatalf("load the kitchen sink: %v", err)
	}
	type serviceRequests struct {
		Create     engine.CreateRequest
		PullPolicy string             `json:",omitempty"`
		PostStart  []stack.Hook       `json:",omitempty"`
		PreStop    []stack.Hook       `json:",omitempty"`
		DependsOn  []stack.Dependency `json:",omitempty"`
		// CopiedConfigs are the configs copied in after creation, by
		// path; Secrets the files written into its secrets volume.
		CopiedConfigs map[string]writtenFile `json:",omitempty"`
		Secrets       map[string]writtenFile `json:",omitempty"`
	}
	out := struct {
		Networks map[string]network.CreateOptions
		Volumes  map[string]engine.VolumeOptions
		Services map[string]serviceRequests
	}{map[string]network.CreateOptions{}, map[string]engine.VolumeOptions{}, map[string]serviceRequests{}}
	for _, n := range st.Networks {
		req, err := engine.NetworkCreateOptions(networkOptions(st, n), kitchenSinkAPI)
		if err != nil {
			t.Fatalf("network %s: %v", n.Key, err)
		}
		out.Networks[n.Name] = req
	}
	for _, v := range st.Volumes {
		out.Volumes[v.Name] = volumeOptions(st, v)
	}
	for i := range st.Services {
		svc := &st.Services[i]
		spec := containerSpec(st, svc, st.ContainerName(svc, 1), 1, "config-hash", "sha256:kitchen")
		req, err := engine.NewCreateRequest(spec, kitchenSinkAPI)
		if err != nil {
			t.Fatalf("service %s: %v", svc.Name, err)
		}
		// Compose hashes a service with its absolute paths, which are
		// the test's directory. The hash itself is held to Compose's by
		// the interop test: Compose keeps a container whose hash is its own.
		if _, ok := req.Config.Labels[stack.LabelComposeConfigHash]; ok {
			req.Config.Labels[stack.LabelComposeConfigHash] = "compose-config-hash"
		}
		pull := svc.PullPolicy
		if svc.PullRefresh > 0 {
			pull += " every " + svc.PullRefresh.String()
		}
		sr := serviceRequests{Create: req, PullPolicy: pull, PostStart: svc.PostStart, PreStop: svc.PreStop, DependsOn: svc.DependsOn}
		if files := copiedConfigs(svc); len(files) > 0 {
			sr.CopiedConfigs = writtenFiles(files)
		}
		if len(svc.Secrets) > 0 {
			// use_api_socket's registry credentials are this machine's:
			// the golden holds a stand-in.
			files, err := secretFiles(svc, func() ([]byte, error) { return []byte(`{"auths": {}}`), nil })
			if err != nil {
				t.Fatal(err)
			}
			sr.Secrets = writtenFiles(files)
		}
		out.Services[svc.Name] = sr
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(string(b)+"\n", dir, "$DIR")
	path := filepath.Join("testdata", "kitchensink.golden")
	golden.Check(t, path, got, "the requests the kitchen sink makes")
}

// writtenFile is a file written into a container, as the golden shows it.
type writtenFile struct {
	Content  string
	UID, GID int
	Mode     string
}

func writtenFiles(files map[string]engine.File) map[string]writtenFile {
	out := make(map[string]writtenFile, len(files))
	for name, f := range files {
		out[name] = writtenFile{Content: string(f.Content), UID: f.UID, GID: f.GID, Mode: fmt.Sprintf("%#o", f.Mode)}
	}
	return out
}
