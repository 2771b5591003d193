package engine_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// writeDockerContext stores a context as `docker context create` does.
func writeDockerContext(t *testing.T, dir, name, host string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	meta := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(meta, 0o755); err != nil {
		t.Fatal(err)
	}
	body := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The host engine, reached through docker contexts: one that names its
// socket, made current in the docker CLI's config, and one that names an
// ssh:// host, through an ssh command that runs the remote side here (as
// sshd would run it on the host): `docker system dial-stdio`.
func TestDockerContextIntegrationReachesTheHostEngine(t *testing.T) {
	enginetest.Require(t)
	ctx := enginetest.Context(t, time.Minute)
	dir := t.TempDir()
	writeDockerContext(t, dir, "clilocal", "unix:///var/run/docker.sock")
	writeDockerContext(t, dir, "clissh", "ssh://tester@enginehost")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"clilocal"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Fatalf("the ssh stand-in runs the docker CLI's dial-stdio: %v", err)
	}
	// ssh -l USER -- HOST CMD...: log the arguments, run CMD here.
	script := "#!/bin/sh\necho \"$@\" > " + filepath.Join(bin, "ssh.args") + "\nwhile [ \"$1\" != -- ]; do shift; done\nshift 2\nshift\nexec " + docker + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_HOST", "")
	t.Setenv("DOCKER_CONTEXT", "")
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	for _, name := range []string{"", "clilocal", "clissh"} {
		cli, err := engine.Dial(ctx, name)
		if err != nil {
			t.Fatalf("context %q: %v", name, err)
		}
		platform, err := cli.Platform(ctx)
		_ = cli.Close()
		if err != nil || !strings.HasPrefix(platform, "linux/") {
			t.Errorf("context %q: platform %q, %v", name, platform, err)
		}
	}
	args, err := os.ReadFile(filepath.Join(bin, "ssh.args"))
	if err != nil || strings.TrimSpace(string(args)) != "-l tester -- enginehost docker system dial-stdio" {
		t.Errorf("ssh ran with %q (%v), want -l tester -- enginehost docker system dial-stdio", args, err)
	}
	if _, err := engine.Dial(ctx, "clinowhere"); err == nil || !strings.Contains(err.Error(), `"clinowhere"`) {
		t.Errorf("a context that does not exist: %v, want an error naming it", err)
	}
}
