package docker_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// sessionFile is a Compose user's small project: a web tier the project
// builds (so down --rmi local has an image to remove), serving HTTP, with
// a healthcheck for --wait, and redis.
const sessionFile = `
services:
  web:
    build: .
    init: true
    ports: ["18420:5000"]
    healthcheck:
      test: ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:5000/')"]
      interval: 1s
      retries: 30
    depends_on: [cache]
  cache:
    image: redis:7
`

// sessionCLI runs a stackctl binary built for the test in the project's
// directory, as a user types it.
type sessionCLI struct {
	bin, dir string
	env      []string
}

func (c sessionCLI) run(ctx context.Context, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir, cmd.Env = c.dir, c.env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

func (c sessionCLI) must(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	out, errOut, err := c.run(ctx, args...)
	if err != nil {
		t.Fatalf("stackctl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// A Compose user's session, with stackctl in place of docker compose.
func TestComposeUserSessionIntegration(t *testing.T) {
	enginetest.Require(t)
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "stackctl")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/stackctl")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"compose.yaml": sessionFile,
		"Dockerfile":   "FROM python:3.11-slim\nCMD [\"python\", \"-u\", \"-m\", \"http.server\", \"5000\"]\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "COMPOSE_PROJECT_NAME="+e.project)
	cli := sessionCLI{bin: bin, dir: dir, env: env}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, _, _ = cli.run(ctx, "down", "--rmi", "local", "-v")
		if left := e.composeLeftovers(ctx); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	})

	cli.must(t, ctx, "create")
	if created := cli.must(t, ctx, "ps", "-a", "--status", "created", "--format", "{{.Service}}"); len(strings.Fields(created)) != 2 {
		t.Errorf("ps after create: %q, want web and cache created, not started", created)
	}
	cli.must(t, ctx, "up", "-d", "--wait")

	// No registry here: pull and push fail naming the image and registry.
	if _, stderr, err := cli.run(ctx, "pull", "cache"); err == nil || !strings.Contains(stderr, "registry docker.io") || !strings.Contains(stderr, "redis:7") {
		t.Errorf("pull cache: %v\n%s\nwant a failure naming redis:7 and docker.io", err, stderr)
	}
	if _, stderr, err := cli.run(ctx, "push"); err == nil || !strings.Contains(stderr, "registry docker.io") || !strings.Contains(stderr, e.project+"-web") {
		t.Errorf("push: %v\n%s\nwant a failure naming the built image and docker.io", err, stderr)
	}

	// The same engine through a docker context of the CLI's config.
	config := t.TempDir()
	sum := sha256.Sum256([]byte("clisession"))
	meta := filepath.Join(config, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(meta, 0o755); err != nil {
		t.Fatal(err)
	}
	contextMeta := `{"Name":"clisession","Metadata":{},"Endpoints":{"docker":{"Host":"` + enginetest.Connect(t).Host() + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(contextMeta), 0o644); err != nil {
		t.Fatal(err)
	}
	viaContext := sessionCLI{bin: bin, dir: dir, env: append(env, "DOCKER_CONFIG="+config, "DOCKER_HOST=")}
	if out := viaContext.must(t, ctx, "--context", "clisession", "ps", "-q"); len(strings.Fields(out)) != 2 {
		t.Errorf("ps through docker context clisession: %q, want both containers", out)
	}
	if _, stderr, err := viaContext.run(ctx, "-c", "clinone", "ps"); err == nil || !strings.Contains(stderr, `docker context "clinone"`) {
		t.Errorf("ps through a missing context: %v, %s", err, stderr)
	}

	// Compose's shape: one object a line.
	var ps []psJSONLine
	for line := range strings.Lines(cli.must(t, ctx, "ps", "-a", "--format", "json")) {
		var c psJSONLine
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("ps -a --format json: line %q: %v", line, err)
		}
		ps = append(ps, c)
	}
	if len(ps) != 2 {
		t.Fatalf("ps -a --format json: %+v; want web and cache", ps)
	}
	for _, c := range ps {
		// up gates on web's probe run by itself; the engine says healthy
		// from its own first probe on, a second later at most.
		if c.State != "running" || (c.Service == "web" && c.Health != "healthy" && c.Health != "starting") {
			t.Errorf("ps: %+v, want running (web healthy or starting)", c)
		}
	}

	addr := strings.TrimSpace(cli.must(t, ctx, "port", "web", "5000"))
	if !strings.HasSuffix(addr, ":18420") {
		t.Errorf("port web 5000 = %q, want the published 18420", addr)
	}
	resp, err := http.Get("http://127.0.0.1:18420/?from-session")
	if err != nil {
		t.Fatalf("GET web: %v", err)
	}
	_ = resp.Body.Close()
	enginetest.Eventually(t, 30*time.Second, "web's log has the request, timestamped", func() error {
		logs := cli.must(t, ctx, "logs", "-t", "--since", "1m", "web")
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, "GET /?from-session") && strings.Contains(line, time.Now().UTC().Format("2006-01-02T")) {
				return nil
			}
		}
		return fmt.Errorf("logs -t --since 1m web:\n%s", logs)
	})

	if top := cli.must(t, ctx, "top"); !strings.Contains(top, "http.server") || !strings.Contains(top, "redis-server") {
		t.Errorf("top lacks web's or cache's process:\n%s", top)
	}
	if stats := cli.must(t, ctx, "stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}"); !strings.Contains(stats, e.project+"-web-1 ") {
		t.Errorf("stats --no-stream lacks web:\n%s", stats)
	}

	cli.must(t, ctx, "pause", "cache")
	if paused := cli.must(t, ctx, "ps", "--status", "paused", "--format", "{{.Service}}"); strings.TrimSpace(paused) != "cache" {
		t.Errorf("ps --status paused after pause cache: %q", paused)
	}
	cli.must(t, ctx, "unpause", "cache")
	if running := cli.must(t, ctx, "ps", "--filter", "status=running", "-q"); len(strings.Fields(running)) != 2 {
		t.Errorf("ps --filter status=running after unpause: %q, want both", running)
	}

	// The engine's precise form, seconds.nanoseconds: pause and unpause
	// happened the same second.
	engineTime := func(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }
	since := engineTime(time.Now())
	cli.must(t, ctx, "restart", "web")
	until := engineTime(time.Now().Add(time.Second))
	var actions []string
	for _, line := range strings.Split(strings.TrimSpace(cli.must(t, ctx, "events", "--json", "--since", since, "--until", until)), "\n") {
		var ev struct {
			Type, Service, ID, Action string
			Time                      time.Time
			Attributes                map[string]string
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("events --json line %q: %v", line, err)
		}
		if ev.Type != "container" || ev.Service != "web" || ev.ID == "" || ev.Time.IsZero() || ev.Attributes["name"] != e.project+"-web-1" {
			t.Errorf("event %s: want a container event of web with its name", line)
		}
		actions = append(actions, ev.Action)
	}
	for _, want := range []string{"die", "stop", "start"} {
		if !strings.Contains(" "+strings.Join(actions, " ")+" ", " "+want+" ") {
			t.Errorf("events across restart web: %v, want %s among them", actions, want)
		}
	}

	if out := cli.must(t, ctx, "exec", "-T", "web", "python", "-c", "print(6*7)"); strings.TrimSpace(out) != "42" {
		t.Errorf("exec web: %q, want 42", out)
	}

	local := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(local, []byte("both ways\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cli.must(t, ctx, "cp", local, "web:/tmp/note.txt")
	back := filepath.Join(t.TempDir(), "back.txt")
	cli.must(t, ctx, "cp", "web:/tmp/note.txt", back)
	if got, err := os.ReadFile(back); err != nil || string(got) != "both ways\n" {
		t.Errorf("cp there and back: %q, %v", got, err)
	}

	if out, _, err := cli.run(ctx, "__complete", "kill", "web", ""); err != nil || !strings.Contains(out, e.project+"-web-1") {
		t.Errorf("completion of kill web's replicas: %q, %v", out, err)
	}

	// attach: web's own output, until it stops, then its exit code.
	attach := exec.CommandContext(ctx, bin, "attach", "--no-stdin", "web")
	attach.Dir, attach.Env = dir, env
	attached := &lockedBuffer{}
	attach.Stdout, attach.Stderr = attached, attached
	if err := attach.Start(); err != nil {
		t.Fatal(err)
	}
	enginetest.Eventually(t, 30*time.Second, "attach shows web's output", func() error {
		if resp, err := http.Get("http://127.0.0.1:18420/?attached"); err == nil {
			_ = resp.Body.Close()
		}
		if !strings.Contains(attached.String(), "GET /?attached") {
			return fmt.Errorf("attach wrote %q", attached.String())
		}
		return nil
	})
	cli.must(t, ctx, "stop", "web")
	err = attach.Wait()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if want := webExitCode(t, ctx, e); code != want {
		t.Errorf("attach exited %d once web stopped, want web's exit code %d", code, want)
	}

	cli.must(t, ctx, "rm", "-sf", "cache")
	if left := cli.must(t, ctx, "ps", "-a", "--services"); strings.TrimSpace(left) != "web" {
		t.Errorf("ps after rm -sf cache: %q, want web only", left)
	}

	cli.must(t, ctx, "down", "--rmi", "local", "-v")
	if left := e.composeLeftovers(ctx); len(left) > 0 {
		t.Errorf("down --rmi local -v left %v", left)
	}
	if _, err := e.cli.ImageInspect(ctx, e.project+"-web"); !itgNotFound(err) {
		t.Errorf("down --rmi local left the image %s-web: %v", e.project, err)
	}

	_, stderr, err := cli.run(ctx, "nosuchcommand")
	if err == nil || !strings.Contains(stderr, `unknown command "nosuchcommand"`) {
		t.Errorf("stackctl nosuchcommand: %v, %q; want a failure naming it", err, stderr)
	}
}

// webExitCode is the exit code of the session's stopped web container.
func webExitCode(t *testing.T, ctx context.Context, e *itgEnv) int {
	t.Helper()
	return e.inspect(ctx, e.project+"-web-1").ExitCode
}

// lockedBuffer is a buffer a command writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
