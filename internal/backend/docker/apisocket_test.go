package docker

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// use_api_socket binds the socket of the engine's host: an engine that
// is not reached through a local unix socket is refused before any
// credential is read, naming the service.
func TestUseAPISocketIsRefusedOnAnEngineNotLocal(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	svc := &stack.Service{Name: "builder", UseAPISocket: true}
	_, err := b.apiSocketCredentials(context.Background(), svc)()
	if err == nil || !strings.Contains(err.Error(), "service builder: use_api_socket: the engine is not reached through a local unix socket") {
		t.Errorf("error %v, want the remote engine refused", err)
	}
}

// On a local engine it reads the docker CLI's credentials from its config
// directory, every registry's, as a config file of their own.
func TestUseAPISocketReadsTheDockerCLIsCredentials(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auths":{"registry.example:5000":{"auth":"dXNlcjpwdw=="}},"currentContext":"default"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFakeEngine()
	f.local = true
	creds, err := New(f, nil).apiSocketCredentials(context.Background(), &stack.Service{Name: "builder"})()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(creds); !strings.Contains(got, `"registry.example:5000"`) || !strings.Contains(got, `"auth": "dXNlcjpwdw=="`) || strings.Contains(got, "currentContext") {
		t.Errorf("credentials %s, want the registry's auth and nothing else of the config", got)
	}
}
