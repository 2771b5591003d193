package stack_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// loadString loads content as the compose file of a directory of its own.
func loadString(t *testing.T, content string) (*stack.Stack, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "compose.yaml")
	write(t, path, content)
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}})
	return st, path, err
}

// build.ssh with a key's path loads: compose-go's JSON marshaller fails on
// such an entry, and the key check does not use it.
func TestBuildSSHWithAKeysPathLoads(t *testing.T) {
	isolate(t)
	st, dir, err := loadString(t, "services:\n  a:\n    build:\n      context: .\n      ssh:\n        - default\n        - key=./id_rsa\n")
	if err != nil {
		t.Fatalf("build.ssh with a path: %v", err)
	}
	a, _ := st.Service("a")
	want := []stack.BuildSSH{{ID: "default"}, {ID: "key", Paths: []string{filepath.Join(filepath.Dir(dir), "id_rsa")}}}
	if got := a.Build.SSH; !reflect.DeepEqual(got, want) {
		t.Errorf("build.ssh = %+v, want %+v", got, want)
	}
}

// build.no_cache_filter loads as the list of stages, in the file's order;
// whether the engine can build it is decided when the build runs.
func TestBuildNoCacheFilterLoads(t *testing.T) {
	isolate(t)
	st, _, err := loadString(t, "services:\n  a:\n    build:\n      context: .\n      no_cache_filter: [deps, app]\n")
	if err != nil {
		t.Fatalf("build.no_cache_filter: %v", err)
	}
	a, _ := st.Service("a")
	if got := a.Build.NoCacheFilter; !reflect.DeepEqual(got, []string{"deps", "app"}) {
		t.Errorf("build.no_cache_filter = %q, want [deps app]", got)
	}
}

// A key inside a list item is refused with the item's index, and the reason
// is looked up by the key's path in the schema, not in the file.
func TestKeyInAListItemIsRefusedWithItsFullPath(t *testing.T) {
	isolate(t)
	_, _, err := loadString(t, `services:
  a:
    image: busybox
    volumes:
      - /plain
      - type: bind
        source: .
        target: /b
        bind:
          create_host_path: true
    build:
      context: .
      secrets:
        - s
        - source: s
          target: other
          mode: 0400
        - source: s
          target: third
          uid: "1"
secrets:
  s:
    file: ./s
volumes:
  v: {}
`)
	if err == nil {
		t.Fatal("loaded; want build.secrets[1].mode and build.secrets[2].uid refused")
	}
	for _, want := range []string{
		"services.a.build.secrets[2].uid: not supported: ",
		"services.a.build.secrets[1].mode: not supported: a build secret is mounted as its RUN step's --mount=type=secret says",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q: %v", want, err)
		}
	}
	for _, wrong := range []string{"volumes[0]", "secrets[0]"} {
		if strings.Contains(err.Error(), wrong) {
			t.Errorf("error names %s, which sets nothing refused: %v", wrong, err)
		}
	}
}

// x-* keys anywhere (here on a list item and on a network) are Compose's
// extensions: not refused, as Compose ignores them.
func TestExtensionsInsideItemsAreNotRefused(t *testing.T) {
	isolate(t)
	_, _, err := loadString(t, `services:
  a:
    image: busybox
    ports:
      - target: 80
        x-note: the web port
    networks:
      n:
        x-note: joined
networks:
  n:
    x-note: a network
`)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
}

// Keys Docker Compose loads and leaves to a swarm, or reads nowhere, load:
// the swarm's are kept for the swarm backend, the others dropped.
func TestKeysComposeLeavesUnusedLoad(t *testing.T) {
	isolate(t)
	st, _, err := loadString(t, `services:
  a:
    image: busybox
    umask: "0022"
    pull_refresh_after: 1h
    networks:
      n: {use_service_name_alias: false}
    deploy:
      endpoint_mode: dnsrr
      labels: {owner: team-a}
      restart_policy: {delay: 2s, window: 30s}
      update_config: {delay: 4s, max_failure_ratio: 0.5}
      rollback_config: {parallelism: 0, order: stop-first}
  b:
    image: busybox
    deploy: {replicas: 2}
    secrets: [s]
networks:
  n: {}
secrets:
  s: {file: ./s, labels: {team: a}, driver_opts: {k: v}}
`)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	a, _ := st.Service("a")
	two, zero := 2*time.Second, 0
	want := &stack.SwarmDeploy{EndpointMode: "dnsrr", Labels: map[string]string{"owner": "team-a"},
		RestartDelay: &two, UpdateDelay: 4 * time.Second, UpdateMaxFailureRatio: 0.5,
		Rollback: &stack.RollbackConfig{Parallelism: &zero, Order: "stop-first"}}
	window := 30 * time.Second
	want.RestartWindow = &window
	if !reflect.DeepEqual(a.Swarm, want) {
		t.Errorf("a's swarm deploy %+v, want %+v", a.Swarm, want)
	}
	if _, ok := a.Labels["owner"]; ok {
		t.Errorf("deploy.labels reached the containers' labels: %v", a.Labels)
	}
	if b, _ := st.Service("b"); b.Swarm != nil {
		t.Errorf("b sets no swarm key, yet has %+v", b.Swarm)
	}
}
