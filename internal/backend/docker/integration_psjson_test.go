package docker_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/enginetest"
)

// psJSONCompose has what ps's json shows: replicas, a port range, exposed
// ports, a named volume, anonymous ones (redis' VOLUME), a health check
// and a container that exited with a code.
const psJSONCompose = `services:
  web:
    image: python:3.11-slim
    command: ["python", "-m", "http.server", "8000"]
    ports: ["18503:8000", "18504-18505:8001-8002"]
    expose: ["9000", "9001"]
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "python", "-c", "print(1)"]
      interval: 1s
  cache:
    image: redis:7
    deploy: {replicas: 2}
  job:
    image: python:3.11-slim
    command: ["python", "-c", "import sys, time; time.sleep(2); sys.exit(3)"]
volumes:
  data: {}
`

// TestPsJSONIsDockerComposes ups a project with the stackctl binary and
// holds `stackctl ps -a --format json` to `docker compose ps -a --format
// json` of the same project (Compose reads it by its labels): a line per
// container in the same order, the same keys with the same JSON types,
// and the same values but for what changes by the second (Status,
// RunningFor) and the labels' order (Compose's is a map's).
func TestPsJSONIsDockerComposes(t *testing.T) {
	requireComposeCLI(t)
	itgParallel(t)
	e := newItgEnv(t)
	e.project = strings.Replace(e.project, "t-", "psj-", 1)
	ctx := enginetest.Context(t, 3*time.Minute)
	_, file := e.composeStack(ctx, psJSONCompose)
	cli := itgBuildCLI(t, e.project, nil)
	cli.mustRun(t, ctx, "-f", file, "up")

	// Health moves from starting to healthy on its own, and job fails
	// after up (exiting before, it fails up, as it fails Compose's up
	// --wait): compare once the engine says web is healthy and job exited,
	// so both read the same.
	for !strings.Contains(dockerCompose(t, ctx, e.project, "ps", "web", "--format", "{{.Health}}"), "healthy") ||
		!strings.Contains(dockerCompose(t, ctx, e.project, "ps", "-a", "job", "--format", "{{.State}}"), "exited") {
		select {
		case <-ctx.Done():
			t.Fatalf("web never became healthy, or job never exited: %v", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	mine, _ := cli.mustRun(t, ctx, "-f", file, "ps", "-a", "--format", "json")
	composes := dockerCompose(t, ctx, e.project, "ps", "-a", "--format", "json")
	got, want := psJSONLines(t, "stackctl", mine), psJSONLines(t, "docker compose", composes)
	if len(got) != 4 || len(got) != len(want) {
		t.Fatalf("stackctl ps printed %d lines, docker compose ps %d; want 4 each:\n%s\n%s", len(got), len(want), mine, composes)
	}
	for i := range want {
		g, w := got[i], want[i]
		if gk, wk := slices.Sorted(maps.Keys(g)), slices.Sorted(maps.Keys(w)); !slices.Equal(gk, wk) {
			t.Errorf("line %d: stackctl's keys %q, Compose's %q", i, gk, wk)
		}
		for k, wv := range w {
			if gt, wt := reflect.TypeOf(g[k]), reflect.TypeOf(wv); gt != wt {
				t.Errorf("line %d (%s): %s is a %v, Compose's a %v", i, w["Name"], k, gt, wt)
			}
			switch k {
			case "Status", "RunningFor":
				continue
			case "Labels":
				if gl, wl := psJSONSet(g[k]), psJSONSet(wv); !slices.Equal(gl, wl) {
					t.Errorf("line %d (%s): labels %q, Compose's %q", i, w["Name"], gl, wl)
				}
				continue
			}
			if !reflect.DeepEqual(g[k], wv) {
				t.Errorf("line %d (%s): %s = %#v, Compose's %#v", i, w["Name"], k, g[k], wv)
			}
		}
	}
	// What the comparison above rests on: the project is as the file says.
	wantNames := []string{e.project + "-cache-1", e.project + "-cache-2", e.project + "-job-1", e.project + "-web-1"}
	for i, name := range wantNames {
		if got[i]["Name"] != name || got[i]["Project"] != e.project {
			t.Errorf("line %d is %v of %v, want %s of %s", i, got[i]["Name"], got[i]["Project"], name, e.project)
		}
	}
	// web's publishers: 8000-8002 published (on IPv6 too where the engine
	// binds it), 9000 and 9001 exposed only.
	published, exposed := map[float64]bool{}, map[float64]bool{}
	for _, p := range got[3]["Publishers"].([]any) {
		p := p.(map[string]any)
		if p["PublishedPort"].(float64) > 0 {
			published[p["TargetPort"].(float64)] = true
		} else {
			exposed[p["TargetPort"].(float64)] = true
		}
	}
	wantPublished, wantExposed := map[float64]bool{8000: true, 8001: true, 8002: true}, map[float64]bool{9000: true, 9001: true}
	if got[2]["State"] != "exited" || got[2]["ExitCode"] != 3.0 || got[3]["Health"] != "healthy" || !maps.Equal(published, wantPublished) || !maps.Equal(exposed, wantExposed) {
		t.Errorf("job %v (exit %v), web %v with publishers %v: want job exited 3, web healthy publishing 8000-8002 and exposing 9000 and 9001",
			got[2]["State"], got[2]["ExitCode"], got[3]["Health"], got[3]["Publishers"])
	}
}

// psJSONLines reads one JSON object a line, as Compose prints them.
func psJSONLines(t *testing.T, who, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for line := range strings.Lines(out) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s ps --format json: line %q: %v", who, line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// psJSONSet is a comma-joined list as a sorted set.
func psJSONSet(v any) []string {
	s, _ := v.(string)
	return slices.Sorted(slices.Values(strings.Split(s, ",")))
}
