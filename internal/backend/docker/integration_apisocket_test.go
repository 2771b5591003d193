package docker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// A service with use_api_socket reaches the engine that runs it through
// the socket, and its docker CLI finds the registry credentials of the
// docker CLI that ran stackctl, as Compose gives them. Not parallel: the
// credentials are found through this process's DOCKER_CONFIG.
func TestUseAPISocketReachesTheEngineWithTheCredentials(t *testing.T) {
	config := t.TempDir()
	t.Setenv("DOCKER_CONFIG", config)
	if err := os.WriteFile(filepath.Join(config, "config.json"), []byte(`{"auths":{"registry.example:5000":{"auth":"dXNlcjpwdw=="}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, _ := e.composeStack(ctx, `
services:
  cli:
    image: docker:dind
    entrypoint: ["sleep", "infinity"]
    stop_signal: SIGKILL
    use_api_socket: true
`)
	e.up(ctx, st, backend.UpOptions{})
	name := e.project + "-cli-1"
	if got := e.exec(ctx, name, "docker", "inspect", "--format", "{{.Name}}", name); got != "/"+name {
		t.Errorf("docker inspect of itself through the socket says %q, want /%s", got, name)
	}
	if got := e.exec(ctx, name, "sh", "-c", "echo $DOCKER_CONFIG"); got != "/run/secrets/docker" {
		t.Errorf("DOCKER_CONFIG %q, want /run/secrets/docker", got)
	}
	creds := e.exec(ctx, name, "cat", "/run/secrets/docker/config.json")
	if !strings.Contains(creds, `"registry.example:5000"`) || !strings.Contains(creds, `"auth": "dXNlcjpwdw=="`) {
		t.Errorf("the container's docker config is %s, want the registry's credentials", creds)
	}
}
