package docker_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// specKeysFile uses the keys of the Compose Specification the engine here
// can run; the test reads each back from the engine.
const specKeysFile = `
services:
  base:
    image: redis:7
    hostname: base-host
    sysctls: {net.core.somaxconn: "1024"}
    ulimits: {nofile: {soft: 4096, hard: 8192}}
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 200
    tty: true
    stdin_open: true
    ipc: shareable
    dns: [10.11.12.13]
    dns_search: [spec.test]
    shm_size: 32m
    expose: ["6380"]
    logging: {driver: json-file, options: {max-size: 1m}}
    post_start:
      - command: ["sh", "-c", "echo $$HOOK > /tmp/post_start"]
        environment: {HOOK: ran}
    pre_stop:
      - command: ["sh", "-c", "redis-cli save && touch /data/pre_stop"]
    volumes: [data:/data]
    networks:
      inner: {ipv4_address: 10.231.28.10}
  sidecar:
    image: python:3.11-slim
    command: ["sleep", "infinity"]
    network_mode: service:base
    ipc: service:base
  loner:
    image: python:3.11-slim
    command: ["sleep", "infinity"]
    network_mode: none
  reader:
    image: python:3.11-slim
    command: ["sleep", "infinity"]
    volumes_from: ["base:ro"]
    links: ["base:db"]
    mac_address: "02:42:ac:1c:e7:14"
    domainname: spec.test
    group_add: [audio]
    cpu_shares: 512
    oom_score_adj: 100
    mem_reservation: 64m
    stop_signal: SIGINT
    volumes:
      - {type: tmpfs, target: /scratch, tmpfs: {size: 1048576, mode: 01777}}
    networks: [inner]
networks:
  inner:
    internal: true
    labels: {com.example.net: inner}
    # Outside the engines' default address pools (172.17-31.0.0/16,
    # 192.168.0.0/16), which the networks of tests beside it draw from.
    ipam:
      config: [{subnet: 10.231.28.0/24, gateway: 10.231.28.1}]
volumes:
  data:
    driver: local
    driver_opts: {type: tmpfs, device: tmpfs, o: size=8m}
    labels: {com.example.kind: scratch}
`

// privileged reaches the engine; the engine here runs without the
// capabilities a privileged container gets (runc cannot apply them), so
// the container is created and inspected, not started.
func TestPrivilegedReachesTheEngine(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, time.Minute)
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := "spec-privileged-" + hex.EncodeToString(suffix)
	id, err := e.cli.ContainerCreate(ctx, engine.ContainerSpec{Name: name, Image: "python:3.11-slim", Isolation: stack.Isolation{Privileged: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.cli.ContainerRemove(context.Background(), id); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	c, err := e.api.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.HostConfig.Privileged {
		t.Error("the engine's container is not privileged")
	}
}

// The Compose Specification's keys reach the engine as Compose sends
// them: each is read back from the engine's own inspection of the
// containers, network and volume up made.
func TestSpecKeysOnTheEngine(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	e.project = "spec-keys-" + hex.EncodeToString(suffix)
	ctx := enginetest.Context(t, 4*time.Minute)
	st, _ := e.composeStack(ctx, specKeysFile)
	e.up(ctx, st, backend.UpOptions{})

	name := func(svc string) string { return e.project + "-" + svc + "-1" }
	base, err := e.api.ContainerInspect(ctx, name("base"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, host := base.Config, base.HostConfig
	check := func(what string, ok bool, got any) {
		t.Helper()
		if !ok {
			t.Errorf("%s: the engine has %v", what, got)
		}
	}
	check("hostname", cfg.Hostname == "base-host", cfg.Hostname)
	check("tty", cfg.Tty, cfg.Tty)
	check("stdin_open", cfg.OpenStdin, cfg.OpenStdin)
	_, exposed := cfg.ExposedPorts[nat.Port("6380/tcp")]
	check("expose", exposed, cfg.ExposedPorts)
	check("sysctls", host.Sysctls["net.core.somaxconn"] == "1024", host.Sysctls)
	check("ulimits", len(host.Ulimits) == 1 && host.Ulimits[0].Name == "nofile" && host.Ulimits[0].Soft == 4096 && host.Ulimits[0].Hard == 8192, host.Ulimits)
	check("mem_limit", host.Memory == 256<<20, host.Memory)
	check("cpus", host.NanoCPUs == 5e8, host.NanoCPUs)
	check("pids_limit", host.PidsLimit != nil && *host.PidsLimit == 200, host.PidsLimit)
	check("ipc", host.IpcMode == "shareable", host.IpcMode)
	check("dns", slices.Equal(host.DNS, []string{"10.11.12.13"}), host.DNS)
	check("dns_search", slices.Equal(host.DNSSearch, []string{"spec.test"}), host.DNSSearch)
	check("shm_size", host.ShmSize == 32<<20, host.ShmSize)
	check("logging", host.LogConfig.Type == "json-file" && host.LogConfig.Config["max-size"] == "1m", host.LogConfig)
	inner := e.project + "_inner"
	ep := base.NetworkSettings.Networks[inner]
	check("ipv4_address", ep != nil && ep.IPAddress == "10.231.28.10" && ep.IPAMConfig != nil && ep.IPAMConfig.IPv4Address == "10.231.28.10", ep)
	if got := e.exec(ctx, base.ID, "cat", "/tmp/post_start"); got != "ran" {
		t.Errorf("post_start: /tmp/post_start holds %q, want ran", got)
	}

	// service:base is base's first replica, by name or by ID as the
	// engine keeps it.
	isBase := func(mode string) bool {
		ref, ok := strings.CutPrefix(mode, "container:")
		return ok && (ref == name("base") || ref == base.ID)
	}
	sidecar, err := e.api.ContainerInspect(ctx, name("sidecar"))
	if err != nil {
		t.Fatal(err)
	}
	check("network_mode service:base", isBase(string(sidecar.HostConfig.NetworkMode)), sidecar.HostConfig.NetworkMode)
	check("ipc service:base", isBase(string(sidecar.HostConfig.IpcMode)), sidecar.HostConfig.IpcMode)
	check("sidecar running", sidecar.State.Running, sidecar.State.Status)
	if got := e.exec(ctx, sidecar.ID, "cat", "/etc/hostname"); got != "base-host" {
		t.Errorf("sidecar's hostname is %q: it does not share base's namespace", got)
	}

	loner, err := e.api.ContainerInspect(ctx, name("loner"))
	if err != nil {
		t.Fatal(err)
	}
	check("network_mode none", loner.HostConfig.NetworkMode == "none", loner.HostConfig.NetworkMode)

	reader, err := e.api.ContainerInspect(ctx, name("reader"))
	if err != nil {
		t.Fatal(err)
	}
	rh := reader.HostConfig
	check("mac_address", reader.NetworkSettings.Networks[e.project+"_inner"] != nil && reader.NetworkSettings.Networks[e.project+"_inner"].MacAddress == "02:42:ac:1c:e7:14", reader.NetworkSettings.Networks)
	check("domainname", reader.Config.Domainname == "spec.test", reader.Config.Domainname)
	check("group_add", slices.Equal(rh.GroupAdd, []string{"audio"}), rh.GroupAdd)
	check("cpu_shares", rh.CPUShares == 512, rh.CPUShares)
	check("oom_score_adj", rh.OomScoreAdj == 100, rh.OomScoreAdj)
	check("mem_reservation", rh.MemoryReservation == 64<<20, rh.MemoryReservation)
	check("stop_signal", reader.Config.StopSignal == "SIGINT", reader.Config.StopSignal)
	check("tmpfs size and mode", slices.ContainsFunc(rh.Mounts, func(m mount.Mount) bool {
		return m.Type == mount.TypeTmpfs && m.Target == "/scratch" && m.TmpfsOptions != nil && m.TmpfsOptions.SizeBytes == 1048576 && m.TmpfsOptions.Mode == 0o1777
	}), rh.Mounts)
	if got := e.exec(ctx, reader.ID, "stat", "-c", "%a", "/scratch"); got != "1777" {
		t.Errorf("tmpfs /scratch has mode %s, want 1777", got)
	}
	check("volumes_from", slices.Equal(reader.HostConfig.VolumesFrom, []string{name("base") + ":ro"}), reader.HostConfig.VolumesFrom)
	readerData := false
	for _, m := range reader.Mounts {
		readerData = readerData || (m.Destination == "/data" && m.Name == e.project+"_data" && !m.RW)
	}
	check("volumes_from mounts base's /data read-only", readerData, reader.Mounts)
	// On a network of its own the engine keeps links on the endpoint.
	readerEP := reader.NetworkSettings.Networks[e.project+"_inner"]
	check("links", readerEP != nil && slices.Contains(readerEP.Links, name("base")+":db"), readerEP)
	if got := e.exec(ctx, reader.ID, "python3", "-c", "import socket; print(socket.gethostbyname('db'))"); got != "10.231.28.10" {
		t.Errorf("reader resolves its link db to %q, want base's 10.231.28.10", got)
	}

	net, err := e.api.NetworkInspect(ctx, inner, network.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("network internal", net.Internal, net.Internal)
	check("network labels", net.Labels["com.example.net"] == "inner", net.Labels)
	check("network ipam", len(net.IPAM.Config) == 1 && net.IPAM.Config[0].Subnet == "10.231.28.0/24" && net.IPAM.Config[0].Gateway == "10.231.28.1", net.IPAM.Config)

	vol, err := e.api.VolumeInspect(ctx, e.project+"_data")
	if err != nil {
		t.Fatal(err)
	}
	check("volume driver", vol.Driver == "local", vol.Driver)
	check("volume driver_opts", vol.Options["type"] == "tmpfs" && vol.Options["o"] == "size=8m", vol.Options)
	check("volume labels", vol.Labels["com.example.kind"] == "scratch", vol.Labels)

	// A replaced base takes the containers made with it along: they are
	// recreated with the new one's namespace.
	b, _ := st.Service("base")
	b.Command = []string{"redis-server", "--save", ""}
	e.up(ctx, st, backend.UpOptions{})
	newBase, err := e.api.ContainerInspect(ctx, name("base"))
	if err != nil {
		t.Fatal(err)
	}
	if newBase.ID == base.ID {
		t.Fatal("base was not replaced")
	}
	sidecar, err = e.api.ContainerInspect(ctx, name("sidecar"))
	if err != nil {
		t.Fatal(err)
	}
	base = newBase
	check("sidecar made with the new base", sidecar.State.Running && isBase(string(sidecar.HostConfig.NetworkMode)), sidecar.HostConfig.NetworkMode)
	if got := e.exec(ctx, sidecar.ID, "cat", "/etc/hostname"); got != "base-host" {
		t.Errorf("after base's replacement the sidecar's hostname is %q", got)
	}

	// down runs base's pre_stop hook before it stops base.
	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	ran := false
	for _, ev := range e.events.Events() {
		if ev.Resource == "container "+name("base") && ev.Status == "pre_stop failed" {
			t.Errorf("pre_stop: %s", ev.Detail)
		}
		ran = ran || (ev.Resource == "container "+name("base") && ev.Status == "running pre_stop")
	}
	check("pre_stop ran at down", ran, "no pre_stop event")
}

// pull_policy always pulls even an image the engine has; with no
// registry to pull from, up fails and says why.
func TestPullPolicyAlwaysFailsWithoutARegistry(t *testing.T) {
	e := newItgEnv(t)
	e.project = "spec-pull-" + e.project[len(e.project)-6:]
	ctx := enginetest.Context(t, 2*time.Minute)
	st, _ := e.composeStack(ctx, "services:\n  kv:\n    image: redis:7\n    pull_policy: always\n")
	_, err := e.orch.Up(ctx, st, backend.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "pull_policy always") || !strings.Contains(err.Error(), "redis:7") {
		t.Fatalf("up = %v, want the failed pull of redis:7 under pull_policy always", err)
	}
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("a failed pull left %v", left)
	}
}

// A post_start hook that fails fails the up, naming the hook.
func TestFailingPostStartFailsUp(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	e.project = "spec-hook-" + e.project[len(e.project)-6:]
	ctx := enginetest.Context(t, 2*time.Minute)
	st, _ := e.composeStack(ctx, "services:\n  a:\n    image: python:3.11-slim\n    command: [sleep, infinity]\n    post_start:\n      - command: [sh, -c, 'echo broken >&2; exit 3']\n")
	_, err := e.orch.Up(ctx, st, backend.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "services.a.post_start[0]") || !strings.Contains(err.Error(), "exited 3") || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("up = %v, want post_start[0]'s exit 3 and its output", err)
	}
}

// A secret from the environment and a config from content reach the
// container as a secret and a config from a file do; a changed content
// recreates the container with it.
func TestSecretsAndConfigsFromEnvironmentAndContent(t *testing.T) {
	e := newItgEnv(t)
	e.project = "spec-objects-" + e.project[len(e.project)-6:]
	t.Setenv("SPEC_TOKEN", "from-the-environment")
	ctx := enginetest.Context(t, 3*time.Minute)
	file := func(content string) string {
		return `
services:
  a:
    image: python:3.11-slim
    command: [sleep, infinity]
    secrets: [token]
    configs:
      - {source: app, target: /etc/app/app.conf}
      - {source: env, target: /etc/app/env.conf}
secrets:
  token: {environment: SPEC_TOKEN}
configs:
  app: {content: "` + content + `"}
  env: {environment: SPEC_TOKEN}
`
	}
	st, _ := e.composeStack(ctx, file("first"))
	e.up(ctx, st, backend.UpOptions{})
	c := e.inspect(ctx, e.project+"-a-1")
	for path, want := range map[string]string{"/run/secrets/token": "from-the-environment", "/etc/app/app.conf": "first", "/etc/app/env.conf": "from-the-environment"} {
		if got := e.exec(ctx, c.ID, "cat", path); got != want {
			t.Errorf("%s holds %q, want %q", path, got, want)
		}
	}
	st, _ = e.writeAndLoad(ctx, file("second"))
	e.up(ctx, st, backend.UpOptions{})
	c2 := e.inspect(ctx, e.project+"-a-1")
	if c2.ID == c.ID {
		t.Error("a changed config content did not recreate the container")
	}
	if got := e.exec(ctx, c2.ID, "cat", "/etc/app/app.conf"); got != "second" {
		t.Errorf("after the change app.conf holds %q, want second", got)
	}
}
