package docker_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// The command against an engine that is not this machine's (a second
// engine, reached over TCP through DOCKER_HOST): up, the URL on the
// engine's host, kill by the helper, scale behind the edge, logs, down.
func TestCommandAgainstARemoteEngine(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	inner := enginetest.Dind(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}

	// The app image is built here and handed to the remote engine with
	// the others, as a registry would; up then finds it current.
	itgWarmAppBuild(t, e.cli, e.api)
	st := stacktest.Builtin(t, stacktest.Options{Project: e.project})
	if err := e.orch.Build(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	app, _ := st.Service("web")
	t.Cleanup(func() {
		if err := enginetest.RemoveProjectImages(context.Background(), e.project); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err := inner.LoadImages(ctx, "postgres:15", "redis:7", "nginx:1.22", app.Image); err != nil {
		t.Fatal(err)
	}

	bin := stacktest.StaticStackctl(t)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, append([]string{"-p", e.project, "--progress", "plain"}, args...)...)
		cmd.Dir = root
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "COMPOSE_") }),
			"DOCKER_HOST="+inner.Host, "WEB_PORT=0")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	get := func(url string) (int, string) {
		t.Helper()
		client := &http.Client{Timeout: 10 * time.Second}
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		return resp.StatusCode, body.String()
	}
	url := regexp.MustCompile(`web(?:-edge)?: (http://\S+)`)

	out, err := run("up")
	if err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	m := url.FindStringSubmatch(out)
	if m == nil || !strings.Contains(m[1], "://"+inner.IP+":") {
		t.Fatalf("up's summary names %v, want web on the engine's host %s:\n%s", m, inner.IP, out)
	}
	if code, body := get(m[1]); code != 200 || !strings.Contains(body, itgGreeting) {
		t.Errorf("GET %s = %d %q", m[1], code, body)
	}

	out, err = run("kill", "db")
	if err != nil || !strings.Contains(out, "from a helper container") {
		t.Fatalf("kill db: %v\n%s", err, out)
	}
	db, err := inner.Client.ContainerInspect(ctx, e.project+"-db-1")
	if err != nil || db.RestartCount != 1 || !db.Running() {
		t.Errorf("db after kill: %+v, %v; want running after one restart", db.Status, err)
	}

	out, err = run("scale", "web=2")
	if err != nil {
		t.Fatalf("scale web=2: %v\n%s", err, out)
	}
	m = url.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[0], "web-edge:") {
		t.Fatalf("after scale the summary names %v, want the edge:\n%s", m, out)
	}
	replicas := map[string]bool{}
	for range 20 {
		code, body := get(m[1])
		if code != 200 {
			t.Fatalf("GET through the edge = %d %q", code, body)
		}
		if r := regexp.MustCompile(`served_by=(\S+)`).FindStringSubmatch(body); r != nil {
			replicas[r[1]] = true
		}
	}
	if len(replicas) != 2 {
		t.Errorf("20 requests through the edge reached replicas %v, want both", replicas)
	}

	out, err = run("logs", "--tail", "50", "db")
	if err != nil || !strings.Contains(out, "ready to accept connections") {
		t.Errorf("logs db: %v\n%s", err, out)
	}

	if out, err := run("down", "-v"); err != nil {
		t.Fatalf("down -v: %v\n%s", err, out)
	}
	left, err := inner.Client.ContainerList(ctx, map[string]string{stack.LabelProject: e.project})
	if err != nil || len(left) != 0 {
		t.Errorf("down -v left %v (%v) on the remote engine", left, err)
	}
}
