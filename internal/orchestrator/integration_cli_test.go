package orchestrator_test

// An end-to-end test of the stackctl binary against the real engine:
// `up --progress json` and `down -v` as a user (or a script) runs them.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/enginetest"
)

// TestUpIntegrationBinaryJSONProgress builds cmd/stackctl, brings a project
// up with `--progress json` and WEB_PORT=0, and checks that stderr carries one
// JSON event per line, stdout the summary with the app's URL, and that the
// URL answers; then `down -v` removes everything.
func TestUpIntegrationBinaryJSONProgress(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)

	// The same password as the test's stack, so cleanup's Down sees the
	// same project either way (the password is not part of any name).
	password := filepath.Join(t.TempDir(), "postgres_password")
	if err := os.WriteFile(password, []byte("itg-"+e.project+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := itgBuildCLI(t, ctx, e.project, map[string]string{
		"POSTGRES_PASSWORD_FILE": password, "WEB_PORT": "0", "APP_DIR": itgAppDir(t),
	})
	run := func(args ...string) (string, string, error) { return cli.run(ctx, args...) }

	// No compose file here or above: the built-in stack, as a user gets it.
	stdout, stderr, err := run("up", "--progress", "json")
	if err != nil {
		t.Fatalf("stackctl up: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}

	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("stderr has %d lines, want an event per step:\n%s", len(lines), stderr)
	}
	statuses := map[string]bool{}
	for i, line := range lines {
		var ev struct {
			Time     time.Time `json:"time"`
			Resource string    `json:"resource"`
			Status   string    `json:"status"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Errorf("stderr line %d is not a JSON object: %q (%v)", i+1, line, err)
			continue
		}
		if ev.Time.IsZero() || ev.Resource == "" || ev.Status == "" {
			t.Errorf("stderr line %d lacks time, resource or status: %q", i+1, line)
		}
		statuses[ev.Resource+" "+ev.Status] = true
	}
	for _, svc := range []string{"db-1", "cache-1", "migrate-1", "web-1"} {
		if !statuses["container "+e.project+"-"+svc+" started"] {
			t.Errorf("no JSON event says container %s-%s started", e.project, svc)
		}
	}

	for _, want := range []string{"SERVICE", e.project + "-db-1", e.project + "-cache-1", e.project + "-migrate-1", e.project + "-web-1"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary on stdout lacks %q:\n%s", want, stdout)
		}
	}
	m := regexp.MustCompile(`web: http://(?:localhost|127\.0\.0\.1|0\.0\.0\.0):(\d+)/`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("summary on stdout has no URL of the app:\n%s", stdout)
	}
	port, _ := strconv.Atoi(m[1])
	if port == 0 || port == 5000 {
		t.Errorf("--port 0 published web on %d, want a port the engine chose", port)
	}
	itgVisit(t, ctx, port)

	if _, stderr, err := run("down", "-v"); err != nil {
		t.Fatalf("stackctl down -v: %v\n%s", err, stderr)
	}
	if left := e.leftovers(context.Background(), e.project); len(left) > 0 {
		t.Errorf("stackctl down -v left %v", left)
	}
}
