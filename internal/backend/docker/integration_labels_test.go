package docker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// labelsCompose is a small stack with a dependency, a published port the
// engine picks, a network and a named volume of its own.
const labelsCompose = `services:
  kv:
    image: redis:7
    ports: ["127.0.0.1::6379"]
    volumes: [data:/data]
    networks: [back]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 10s
  app:
    image: redis:7
    command: ["redis-server", "--port", "7000"]
    networks: [back]
    depends_on:
      kv:
        condition: service_healthy
networks:
  back: {}
volumes:
  data: {}
`

// upLabelsStack brings labelsCompose up under its own project, from a
// directory of its own, and takes it down when the test ends; it returns
// the stack and its file.
func (e *itgEnv) upLabelsStack(ctx context.Context) (*stack.Stack, string) {
	e.t.Helper()
	e.project = strings.Replace(e.project, "t-", "itg-labels-", 1)
	st, file := e.composeStack(ctx, labelsCompose)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: 90 * time.Second})
	return st, file
}

func TestComposeLabelsAndLsOnTheEngine(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, file := e.upLabelsStack(ctx)
	dir := filepath.Dir(file)

	deps := map[string]string{"kv": "", "app": "kv:service_healthy:false"}
	for _, svc := range []string{"kv", "app"} {
		c, err := e.api.ContainerInspect(ctx, e.project+"-"+svc+"-1")
		if err != nil {
			t.Fatalf("inspect %s: %v", svc, err)
		}
		want := map[string]string{
			stack.LabelComposeProject:     e.project,
			stack.LabelComposeService:     svc,
			stack.LabelComposeNumber:      "1",
			stack.LabelComposeOneOff:      "False",
			stack.LabelComposeWorkingDir:  dir,
			stack.LabelComposeConfigFiles: file,
			stack.LabelComposeDependsOn:   deps[svc],
			stack.LabelComposeImage:       c.Image,
			stack.LabelComposeVersion:     "5.6.0",
			stack.LabelProject:            e.project,
		}
		for k, v := range want {
			if got, ok := c.Config.Labels[k]; !ok || got != v {
				t.Errorf("%s: label %s = %q (present: %t), want %q", svc, k, got, ok, v)
			}
		}
		if h := c.Config.Labels[stack.LabelComposeConfigHash]; !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
			t.Errorf("%s: config-hash %q, want 64 hex digits", svc, h)
		}
		if !strings.HasPrefix(c.Image, "sha256:") {
			t.Errorf("%s: created from %q, want an image ID", svc, c.Image)
		}
	}
	n, err := e.api.NetworkInspect(ctx, st.NetworkName("back"), network.InspectOptions{})
	if err != nil || n.Labels[stack.LabelComposeProject] != e.project || n.Labels[stack.LabelComposeNetwork] != "back" || n.Labels[stack.LabelComposeVersion] != "5.6.0" {
		t.Errorf("network back's labels = %v (%v), want Compose's project, network back and version", n.Labels, err)
	}
	v, err := e.api.VolumeInspect(ctx, st.VolumeName("data"))
	if err != nil || v.Labels[stack.LabelComposeProject] != e.project || v.Labels[stack.LabelComposeVolume] != "data" || v.Labels[stack.LabelComposeVersion] != "5.6.0" {
		t.Errorf("volume data's labels = %v (%v), want Compose's project, volume data and version", v.Labels, err)
	}

	all, err := e.orch.List(ctx, backend.ListOptions{})
	if err != nil {
		t.Fatalf("ls: %v", err)
	}
	mine := backend.ProjectSummary{Name: e.project, Status: "running(2)", ConfigFiles: file}
	found := false
	for _, p := range all {
		found = found || p == mine
	}
	if !found {
		t.Errorf("ls = %+v, want %+v among them", all, mine)
	}
	only, err := e.orch.List(ctx, backend.ListOptions{Names: []string{"^" + e.project + "$"}})
	if err != nil || len(only) != 1 || only[0] != mine {
		t.Errorf("ls --filter name=^%s$ = %+v, %v; want only %+v", e.project, only, err, mine)
	}
}

// requireComposeCLI fails the test, never skips it, when `docker compose`
// does not answer: `make test` builds it first (make compose).
func requireComposeCLI(t *testing.T) {
	t.Helper()
	out, err := exec.Command("docker", "compose", "version").CombinedOutput()
	if err != nil {
		t.Fatalf("this test needs the Docker Compose CLI plugin (`make compose` builds it): docker compose version: %v: %s", err, out)
	}
}

// dockerCompose runs `docker compose -p project args...` and returns its
// stdout.
func dockerCompose(t *testing.T, ctx context.Context, project string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, "docker", append([]string{"compose", "-p", project}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker compose -p %s %s: %v\n%s", project, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func TestComposeCLISeesAStackctlProject(t *testing.T) {
	requireComposeCLI(t)
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	e.upLabelsStack(ctx)

	// ps --format json: one object per container, a line each.
	seen := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(dockerCompose(t, ctx, e.project, "ps", "--format", "json")))
	for dec.More() {
		var c struct{ Name, Service, State string }
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("docker compose ps --format json: %v", err)
		}
		seen[c.Name] = c.Service + " " + c.State
	}
	want := map[string]string{e.project + "-kv-1": "kv running", e.project + "-app-1": "app running"}
	if len(seen) != len(want) || seen[e.project+"-kv-1"] != want[e.project+"-kv-1"] || seen[e.project+"-app-1"] != want[e.project+"-app-1"] {
		t.Errorf("docker compose ps = %v, want %v", seen, want)
	}

	dockerCompose(t, ctx, e.project, "down")
	if left := e.projectContainers(ctx); len(left) > 0 {
		t.Errorf("containers left by docker compose down: %v", left)
	}
	args := filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+e.project))
	ns, err := e.api.NetworkList(ctx, network.ListOptions{Filters: args})
	if err != nil || len(ns) > 0 {
		t.Errorf("networks left by docker compose down: %d (%v)", len(ns), err)
	}
}
