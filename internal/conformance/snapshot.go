package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// State is what the engine holds of one project, as `docker inspect`
// shows it: containers, networks and volumes by name, images by ID, each
// the decoded JSON of its inspect output.
type State struct {
	Containers map[string]map[string]any
	Networks   map[string]map[string]any
	Volumes    map[string]map[string]any
	Images     map[string]map[string]any
}

// Snapshot reads the engine's resources labelled with Compose's project
// label for project (stackctl writes it beside its own), and the images
// named builds, through the docker CLI: the harness holds the engine's own
// account, taken by neither tool under test.
func Snapshot(ctx context.Context, project string, builds ...string) (State, error) {
	s := State{}
	label := "label=com.docker.compose.project=" + project
	var err error
	if s.Containers, err = inspectAll(ctx, project, "container",
		[]string{"ps", "-a", "-q", "--no-trunc", "--filter", label}); err != nil {
		return s, err
	}
	if s.Networks, err = inspectAll(ctx, project, "network",
		[]string{"network", "ls", "-q", "--no-trunc", "--filter", label}); err != nil {
		return s, err
	}
	if s.Volumes, err = inspectAll(ctx, project, "volume",
		[]string{"volume", "ls", "-q", "--filter", label}); err != nil {
		return s, err
	}
	// The images the project's builds made: labelled, but for those of
	// Compose's classic builder, and under the names the builds tag.
	if s.Images, err = inspectAll(ctx, project, "image",
		[]string{"image", "ls", "-q", "--no-trunc", "--filter", label}); err != nil {
		return s, err
	}
	for _, ref := range builds {
		raw, err := docker(ctx, "image", "inspect", ref)
		if err != nil {
			continue // not built
		}
		var items []map[string]any
		if err := json.Unmarshal(raw, &items); err != nil {
			return s, fmt.Errorf("inspect the image %s of project %s: %w", ref, project, err)
		}
		for _, item := range items {
			id, _ := item["Id"].(string)
			s.Images[id] = item
		}
	}
	return s, nil
}

// inspectAll lists the resources with list and inspects them all, by
// name (an image by ID).
func inspectAll(ctx context.Context, project, kind string, list []string) (map[string]map[string]any, error) {
	ids, err := docker(ctx, list...)
	if err != nil {
		return nil, fmt.Errorf("list the %ss of project %s: %w", kind, project, err)
	}
	out := map[string]map[string]any{}
	fields := strings.Fields(string(ids))
	if len(fields) == 0 {
		return out, nil
	}
	raw, err := docker(ctx, append([]string{kind, "inspect"}, fields...)...)
	if err != nil {
		return nil, fmt.Errorf("inspect the %ss of project %s: %w", kind, project, err)
	}
	var items []map[string]any
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("inspect the %ss of project %s: %w", kind, project, err)
	}
	for _, item := range items {
		name, _ := item["Name"].(string)
		if kind == "image" {
			name, _ = item["Id"].(string)
		}
		out[strings.TrimPrefix(name, "/")] = item
	}
	return out, nil
}

// docker runs the docker CLI and returns its standard output; its error
// says what the CLI said on standard error.
func docker(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
