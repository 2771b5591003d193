package conformance_test

import (
	"bytes"
	"context"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"gopkg.in/yaml.v3"
)

// stackctl's config of every fixture it loads is, as a YAML document,
// what `docker compose config` prints for it. Needs Compose as a Docker CLI
// plugin: with STACKCTL_INTEGRATION=1 it fails, never skips, without it.
func TestFixturesConfigMatchesDockerCompose(t *testing.T) {
	enginetest.Require(t)
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err != nil {
		t.Fatalf("docker compose (`make compose` installs it): %v\n%s", err, out)
	}
	isolate(t)
	_, all := vendoredFixtures(t)
	for _, f := range all {
		if _, listed := notLoading[f.Name]; listed {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			st, err := stack.Load(context.Background(), stack.LoadOptions{Files: f.Files})
			if err != nil {
				t.Fatal(err)
			}
			ours, err := st.Render(stack.FormatYAML)
			if err != nil {
				t.Fatal(err)
			}
			args := []string{"compose"}
			for _, file := range f.Files {
				args = append(args, "-f", file)
			}
			cmd := exec.Command("docker", append(args, "config")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			theirs, err := cmd.Output()
			if err != nil {
				t.Fatalf("docker compose config: %v\n%s", err, stderr.String())
			}
			var a, b map[string]any
			if err := yaml.Unmarshal(ours, &a); err != nil {
				t.Fatalf("stackctl's config is not YAML: %v\n%s", err, ours)
			}
			if err := yaml.Unmarshal(theirs, &b); err != nil {
				t.Fatalf("Compose's config is not YAML: %v\n%s", err, theirs)
			}
			sshShortForm(b)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("stackctl config:\n%s\ndocker compose config:\n%s", ours, theirs)
			}
		})
	}
}

// sshShortForm rewrites, in a project Compose printed, each build ssh entry
// with a path from compose-go's "id: path", which neither tool loads back,
// to the short form "id=path" stackctl prints.
func sshShortForm(project map[string]any) {
	services, _ := project["services"].(map[string]any)
	for _, svc := range services {
		build, _ := svc.(map[string]any)["build"].(map[string]any)
		entries, _ := build["ssh"].([]any)
		for i, e := range entries {
			if s, ok := e.(string); ok {
				if id, path, found := strings.Cut(s, ": "); found {
					entries[i] = id + "=" + path
				}
			}
		}
	}
}
