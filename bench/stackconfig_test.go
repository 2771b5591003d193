package bench

import (
	"slices"
	"testing"
)

// What the swarm comparison reads of its two files through stackctl: the
// one-shots it does not wait to run, the images it pushes (a built
// service's under Compose's name), the names the file fixes.
func TestStackConfigOfTheSwarmFiles(t *testing.T) {
	builtin := resolveForTest(t, []string{builtinFile}, "bench-sw-s", builtinEnv("..", t.TempDir(), 5123))
	for service, want := range map[string]bool{"migrate": true, "db": false, "cache": false, "web": false} {
		if got := builtin.oneShot(service); got != want {
			t.Errorf("built-in stack: oneShot(%s) = %v, want %v", service, got, want)
		}
	}
	if got := builtin.image("web"); got != "bench-sw-s-app:latest" {
		t.Errorf("built-in stack: web runs %q", got)
	}
	if got := builtin.containerName("web", 2); got != "bench-sw-s-web-2" {
		t.Errorf("built-in stack: web's second replica is %q", got)
	}

	seed := resolveForTest(t, []string{"../examples/day-34/docker-compose.yml"}, "bench-sw34-s", nil)
	if got := seed.image("web"); got != "bench-sw34-s-web" {
		t.Errorf("day-34: the built web runs %q, want Compose's name for it", got)
	}
	if got := seed.containerName("db", 1); got != "postgres-db" {
		t.Errorf("day-34: db's container is %q, want the file's container_name", got)
	}
	if got := seed.ownNetworks(); !slices.Equal(got, []string{"bench-sw34-s_app-network"}) {
		t.Errorf("day-34: networks %v", got)
	}
	if slices.ContainsFunc(seed.serviceNames(), seed.oneShot) {
		t.Errorf("day-34: a one-shot among %v", seed.serviceNames())
	}
}
