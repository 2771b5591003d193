package docker_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// A secret's and a copied config's uid, gid and mode are the owner and
// mode of their files in the container, as Compose copies them; a user
// of that uid reads a file only it may read. A config from a file is
// bind-mounted as the file is, its uid, gid and mode ignored with a
// warning, as Compose does.
func TestSecretAndConfigFilesHaveTheirOwnerAndMode(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key.txt"), []byte("key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain.conf"), []byte("plain"), 0o640); err != nil {
		t.Fatal(err)
	}
	writeIn(t, dir, "compose.yaml", fmt.Sprintf(`
services:
  app:
    image: busybox:latest
    command: ["sleep", "infinity"]
    user: "1000:1000"
    secrets:
      - {source: token, uid: "1000", gid: "1001", mode: 0400}
      - {source: key, mode: 0440, gid: "1000"}
      - {source: token, target: default}
    configs:
      - {source: inline, target: /etc/app.conf, uid: "1000", gid: "1001", mode: 0600}
      - {source: inline, target: /etc/default.conf}
      - {source: plain, target: /etc/plain.conf, uid: "1000", mode: 0400}
secrets:
  token: {environment: ACCESS_TOKEN}
  key: {file: %s}
configs:
  inline: {content: "inline"}
  plain: {file: %s}
`, filepath.Join(dir, "key.txt"), filepath.Join(dir, "plain.conf")))
	st := e.loadPath(ctx, filepath.Join(dir, "compose.yaml"), map[string]string{"ACCESS_TOKEN": "token-" + e.project})
	e.cleanupProject(st)
	if want := "config plain is bind-mounted from its file"; !strings.Contains(strings.Join(st.Notices, "\n"), want) {
		t.Errorf("notices %q, want one saying %q", st.Notices, want)
	}
	e.up(ctx, st, backend.UpOptions{})
	app := e.project + "-app-1"
	for path, want := range map[string]string{
		"/run/secrets/token":   "1000 1001 400",
		"/run/secrets/key":     "0 1000 440",
		"/run/secrets/default": "0 0 444",
		"/etc/app.conf":        "1000 1001 600",
		"/etc/default.conf":    "0 0 444",
		// Bind-mounted: the file's own, on this machine (the engine's).
		"/etc/plain.conf": fmt.Sprintf("%d %d 640", os.Getuid(), os.Getgid()),
	} {
		if got := e.exec(ctx, app, "stat", "-c", "%u %g %a", path); got != want {
			t.Errorf("%s: owner, group and mode %q, want %q", path, got, want)
		}
	}
	// The service's user (1000) reads what only it may read.
	if got := e.exec(ctx, app, "cat", "/run/secrets/token"); got != "token-"+e.project {
		t.Errorf("user 1000 reads %q from /run/secrets/token, want the token", got)
	}
	if got := e.exec(ctx, app, "cat", "/etc/app.conf"); got != "inline" {
		t.Errorf("user 1000 reads %q from /etc/app.conf, want inline", got)
	}
}
