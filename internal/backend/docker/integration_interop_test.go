package docker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// interopFile is a project both tools run: a named volume with data in it,
// and a web tier on a fixed host port, so a duplicate container or network
// would conflict.
const interopFile = `
services:
  cache:
    image: redis:7
    volumes: ["data:/data"]
  web:
    image: python:3.11-slim
    command: ["python", "-m", "http.server", "5000"]
    init: true
    ports: ["18410:5000"]
    depends_on: [cache]
volumes:
  data: {}
`

// composeLeftovers lists what carries the project's Compose label: what
// either tool made of it.
func (e *itgEnv) composeLeftovers(ctx context.Context) []string {
	args := filters.NewArgs(filters.Arg("label", stack.LabelComposeProject+"="+e.project))
	var left []string
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	for _, c := range cs {
		left = append(left, "container "+strings.Join(c.Names, ","))
	}
	ns, err2 := e.api.NetworkList(ctx, network.ListOptions{Filters: args})
	for _, n := range ns {
		left = append(left, "network "+n.Name)
	}
	vs, err3 := e.api.VolumeList(ctx, volume.ListOptions{Filters: args})
	for _, v := range vs.Volumes {
		left = append(left, "volume "+v.Name)
	}
	for _, err := range []error{err, err2, err3} {
		if err != nil {
			left = append(left, "list: "+err.Error())
		}
	}
	return left
}

// containersOf are the project's containers by name, with who made them.
func (e *itgEnv) containersOf(ctx context.Context) map[string]string {
	args := filters.NewArgs(filters.Arg("label", stack.LabelComposeProject+"="+e.project))
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cs {
		maker := "compose"
		if c.Labels[stack.LabelProject] != "" {
			maker = "stackctl"
		}
		out[strings.TrimPrefix(c.Names[0], "/")+" "+c.ID[:12]] = maker
	}
	return out
}

// Compose's labels both ways: stackctl takes over a project Docker Compose
// made (its volume and data, its network; its containers replaced, said
// so, none duplicated), Compose takes over stackctl's (keeping its
// containers), and stackctl's down of what Compose made leaves nothing.
func TestComposeInteropIntegrationBothWays(t *testing.T) {
	requireComposeCLI(t)
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	_, file := e.writeAndLoad(ctx, interopFile)
	cli := itgBuildCLI(t, e.project, nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, _, _ = cli.run(ctx, "-f", file, "down", "-v")
		if left := e.composeLeftovers(ctx); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})
	redis := func(args ...string) string {
		t.Helper()
		res, err := e.cli.Exec(ctx, e.project+"-cache-1", append([]string{"sh", "-c"}, args...))
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("exec %v in cache: %v, exit %d: %s", args, err, res.ExitCode, res.Output)
		}
		return strings.TrimSpace(res.Output)
	}

	// 1. Compose makes the project; stackctl's down leaves nothing.
	dockerCompose(t, ctx, e.project, "-f", file, "up", "-d")
	cli.mustRun(t, ctx, "-f", file, "down", "-v")
	if left := e.composeLeftovers(ctx); len(left) > 0 {
		t.Fatalf("stackctl down -v of a project Compose made left %v", left)
	}

	// 2. Compose makes it again, with data; stackctl's ps, stop and start
	// see it; stackctl's up converges it.
	dockerCompose(t, ctx, e.project, "-f", file, "up", "-d")
	redis("echo from-compose > /data/marker")
	before := e.containersOf(ctx)
	if ps, _ := cli.mustRun(t, ctx, "-f", file, "ps", "--format", "{{.Service}} {{.State}}"); strings.Fields(ps) == nil ||
		!strings.Contains(ps, "cache running") || !strings.Contains(ps, "web running") {
		t.Errorf("stackctl ps of the project Compose made:\n%s\nwant cache and web running", ps)
	}
	cli.mustRun(t, ctx, "-f", file, "stop", "web")
	if ps, _ := cli.mustRun(t, ctx, "-f", file, "ps", "--status", "exited", "--format", "{{.Service}}"); strings.TrimSpace(ps) != "web" {
		t.Errorf("stackctl ps --status exited after stop web: %q", ps)
	}
	_, stderr := cli.mustRun(t, ctx, "-f", file, "up", "-d")
	for _, want := range []string{"network " + e.project + "_default", "volume " + e.project + "_data"} {
		if !strings.Contains(stderr, want) || !strings.Contains(stderr, "made by Docker Compose, taken over") {
			t.Errorf("stackctl up did not say it took over %s:\n%s", want, stderr)
		}
	}
	for _, name := range []string{"cache-1", "web-1"} {
		if !strings.Contains(stderr, e.project+"-"+name) || !strings.Contains(stderr, "made by Docker Compose, replaced by stackctl's") {
			t.Errorf("stackctl up did not say it replaced %s:\n%s", name, stderr)
		}
	}
	after := e.containersOf(ctx)
	if len(after) != 2 {
		t.Fatalf("after stackctl up over Compose's project: %v, want two containers (before: %v)", after, before)
	}
	for name, maker := range after {
		if maker != "stackctl" {
			t.Errorf("container %s is still Compose's", name)
		}
	}
	if got := redis("cat /data/marker"); got != "from-compose" {
		t.Errorf("the volume's data after the takeover: %q, want from-compose", got)
	}

	// 3. Compose's up over stackctl's project keeps its containers.
	out := dockerCompose(t, ctx, e.project, "-f", file, "up", "-d")
	if again := e.containersOf(ctx); !sameKeys(again, after) {
		t.Errorf("docker compose up over stackctl's project: %v, want the same containers as %v\n%s", again, after, out)
	}
	// And stackctl's next up changes nothing.
	_, stderr = cli.mustRun(t, ctx, "-f", file, "up", "-d")
	if !strings.Contains(stderr, "up to date") {
		t.Errorf("stackctl up after Compose's: not up to date:\n%s", stderr)
	}
}

func sameKeys(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}
