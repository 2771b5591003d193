package docker_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// foreignCompose is a compose file no part of stackctl knows: five
// services (one behind a profile), two networks, a bind mount, a secret, a
// one-shot and a service with two replicas.
const foreignCompose = `services:
  kv:
    image: redis:7
    networks: [back]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 10s
  seed:
    image: redis:7
    command: ["redis-cli", "-h", "kv", "set", "greeting", "hello from the seed job"]
    networks: [back]
    depends_on:
      kv:
        condition: service_healthy
  worker:
    image: redis:7
    command: ["redis-server", "--port", "7000"]
    networks:
      back:
        aliases: [workers]
    deploy:
      replicas: 2
  site:
    image: nginx:1.22
    ports: ["127.0.0.1::80"]
    volumes:
      - ./html:/usr/share/nginx/html:ro
    secrets: [token]
    networks: [front, back]
    depends_on:
      seed:
        condition: service_completed_successfully
  debug:
    image: redis:7
    profiles: [debug]
    networks: [back]
networks:
  front: {}
  back: {}
secrets:
  token:
    file: ./token.txt
`

func TestForeignComposeFileUpIdempotentDown(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)

	dir := t.TempDir()
	for name, content := range map[string]string{
		"compose.yaml":    foreignCompose,
		"token.txt":       "s3cret-token\n",
		"html/index.html": "served from a bind mount\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{filepath.Join(dir, "compose.yaml")}, ProjectName: e.project})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		t.Fatal(err)
	}
	e.cleanupProject(st)

	res := e.up(ctx, st, backend.UpOptions{WaitTimeout: 90 * time.Second})
	count := map[string]int{}
	for _, c := range res.Containers {
		count[c.Service]++
		want := "running"
		if c.Service == "seed" {
			want = "exited"
		}
		if c.State != want || c.ExitCode != 0 {
			t.Errorf("%s: %s exit %d, want %s exit 0", c.Name, c.State, c.ExitCode, want)
		}
	}
	if count["worker"] != 2 || count["kv"] != 1 || count["seed"] != 1 || count["site"] != 1 || count["debug"] != 0 {
		t.Errorf("containers per service = %v, want worker 2, kv, seed and site 1, debug (a profile) none", count)
	}

	// The one-shot ran against kv on the back network.
	kv := e.inspect(ctx, st.ContainerName(mustService(t, st, "kv"), 1))
	if got := e.exec(ctx, kv.ID, "redis-cli", "get", "greeting"); got != "hello from the seed job" {
		t.Errorf("kv greeting = %q, want the seed job's", got)
	}
	site := e.inspect(ctx, st.ContainerName(mustService(t, st, "site"), 1))
	if got := e.exec(ctx, site.ID, "cat", "/run/secrets/token"); got != "s3cret-token" {
		t.Errorf("secret in site = %q, want the file's content", got)
	}
	if len(site.IPs) != 2 {
		t.Errorf("site is on networks %v, want front and back", site.IPs)
	}
	var port int
	for _, c := range res.Containers {
		if c.Service == "site" && len(c.Ports) > 0 {
			port = c.Ports[0].HostPort
		}
	}
	if code, body, err := itgGet(ctx, port, "/"); err != nil || code != 200 || body != "served from a bind mount\n" {
		t.Errorf("GET / on site: %d %q %v, want the bind-mounted page", code, body, err)
	}
	// Writes to the read-only secret fail.
	if got := e.exec(ctx, site.ID, "sh", "-c", "(echo x > /run/secrets/token) 2>/dev/null && echo writable || echo read-only"); got != "read-only" {
		t.Errorf("secret mount is %s, want read-only", got)
	}

	again, err := e.orch.Up(ctx, st, backend.UpOptions{})
	if err != nil || again.Changed {
		t.Errorf("second up: changed %v, err %v; want nothing to do", again.Changed, err)
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("down -v left %v", left)
	}
}

func mustService(t *testing.T, st *stack.Stack, name string) *stack.Service {
	t.Helper()
	svc, ok := st.Service(name)
	if !ok {
		t.Fatalf("no service %s in %v", name, st.ServiceNames())
	}
	return svc
}

// exec runs cmd in the container and returns its trimmed output.
func (e *itgEnv) exec(ctx context.Context, id string, cmd ...string) string {
	e.t.Helper()
	res, err := e.cli.Exec(ctx, id, cmd)
	if err != nil {
		e.t.Fatalf("exec %q: %v", cmd, err)
	}
	return strings.TrimSpace(res.Output)
}
