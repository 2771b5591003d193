package swarm_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	swarmapi "github.com/docker/docker/api/types/swarm"
	"github.com/stackctl/stackctl/internal/backend/swarm"
)

// What a swarm service's ContainerSpec, Resources, LogDriver and
// Placement can express of how a service runs reaches its spec.
func TestServiceSpecRuntimeMapping(t *testing.T) {
	s := specOf(t, `
services:
  a:
    image: busybox
    hostname: alpha
    tty: true
    stdin_open: true
    sysctls: {net.core.somaxconn: "1024"}
    ulimits: {nofile: {soft: 1024, hard: 2048}}
    group_add: [audio]
    dns: [1.1.1.1]
    dns_search: [example.test]
    dns_opt: ["ndots:2"]
    isolation: default
    platform: linux/arm64/v8
    logging: {driver: json-file, options: {max-size: 10m}}
    mem_limit: 128m
    cpus: 0.5
    pids_limit: 64
    deploy:
      resources:
        reservations: {cpus: "0.25", memory: 32m}
    networks:
      n: {driver_opts: {k: v}}
    volumes:
      - {type: volume, source: data, target: /data, volume: {nocopy: true}}
      - {type: bind, source: /tmp, target: /t, bind: {propagation: rslave}}
networks:
  n: {}
volumes:
  data:
    driver: local
    driver_opts: {type: tmpfs, device: tmpfs}
    labels: {com.example: data}
`, "a", swarmapi.ResolutionModeVIP)
	cs := s.TaskTemplate.ContainerSpec
	if cs.Hostname != "alpha" || !cs.TTY || !cs.OpenStdin || cs.Sysctls["net.core.somaxconn"] != "1024" || !slices.Equal(cs.Groups, []string{"audio"}) || cs.Isolation != "default" {
		t.Errorf("container spec: hostname %q tty %v stdin %v sysctls %v groups %v isolation %q", cs.Hostname, cs.TTY, cs.OpenStdin, cs.Sysctls, cs.Groups, cs.Isolation)
	}
	if len(cs.Ulimits) != 1 || cs.Ulimits[0].Name != "nofile" || cs.Ulimits[0].Soft != 1024 || cs.Ulimits[0].Hard != 2048 {
		t.Errorf("ulimits %+v", cs.Ulimits)
	}
	if d := cs.DNSConfig; d == nil || !slices.Equal(d.Nameservers, []string{"1.1.1.1"}) || !slices.Equal(d.Search, []string{"example.test"}) || !slices.Equal(d.Options, []string{"ndots:2"}) {
		t.Errorf("DNS config %+v", cs.DNSConfig)
	}
	r := s.TaskTemplate.Resources
	if r == nil || r.Limits == nil || r.Limits.MemoryBytes != 128<<20 || r.Limits.NanoCPUs != 5e8 || r.Limits.Pids != 64 {
		t.Fatalf("limits %+v", r)
	}
	if r.Reservations == nil || r.Reservations.MemoryBytes != 32<<20 || r.Reservations.NanoCPUs != 2.5e8 {
		t.Errorf("reservations %+v", r.Reservations)
	}
	if l := s.TaskTemplate.LogDriver; l == nil || l.Name != "json-file" || l.Options["max-size"] != "10m" {
		t.Errorf("log driver %+v", l)
	}
	if p := s.TaskTemplate.Placement; p == nil || len(p.Platforms) != 1 || p.Platforms[0].OS != "linux" || p.Platforms[0].Architecture != "arm64" {
		t.Errorf("placement %+v", p)
	}
	if n := s.TaskTemplate.Networks; len(n) != 1 || n[0].DriverOpts["k"] != "v" {
		t.Errorf("networks %+v", n)
	}
	var vol, bind bool
	for _, m := range cs.Mounts {
		switch m.Target {
		case "/data":
			o := m.VolumeOptions
			vol = o != nil && o.NoCopy && o.DriverConfig != nil && o.DriverConfig.Name == "local" &&
				maps.Equal(o.DriverConfig.Options, map[string]string{"type": "tmpfs", "device": "tmpfs"}) && o.Labels["com.example"] == "data"
		case "/t":
			bind = m.BindOptions != nil && m.BindOptions.Propagation == "rslave"
		}
	}
	if !vol || !bind {
		t.Errorf("mounts %+v: want the volume's driver, options, labels and nocopy, and the bind's propagation", cs.Mounts)
	}
}

// What a swarm service cannot express is refused at its own path, all at
// once.
func TestServiceSpecRuntimeRefusals(t *testing.T) {
	st := load(t, `
services:
  base:
    image: busybox
  a:
    image: busybox
    privileged: true
    pid: host
    ipc: host
    uts: host
    userns_mode: host
    cgroup: private
    cgroup_parent: x.slice
    runtime: runc
    domainname: example.test
    mac_address: "02:42:ac:11:00:0a"
    cpu_shares: 512
    cpu_quota: 50000
    cpu_period: 100000
    cpuset: "0"
    cpu_count: 2
    cpu_rt_runtime: 950000
    blkio_config: {weight: 300}
    memswap_limit: 1g
    mem_swappiness: 10
    shm_size: 64m
    oom_score_adj: 100
    oom_kill_disable: true
    devices: ["/dev/null:/dev/null"]
    device_cgroup_rules: ["c 1:3 mr"]
    gpus: all
    storage_opt: {size: 1G}
    annotations: {a: b}
    volumes_from: [base]
    links: [base]
    external_links: [other]
    post_start: [{command: ["true"]}]
    pre_stop: [{command: ["true"]}]
    use_api_socket: true
    networks:
      n: {ipv4_address: 172.30.0.10, gw_priority: 1, interface_name: eth9}
    volumes:
      - {type: bind, source: /tmp, target: /t, bind: {selinux: z}}
      - {type: bind, source: /tmp, target: /r, bind: {recursive: disabled}}
      - {type: image, source: busybox, target: /i}
  b:
    image: busybox
    network_mode: host
networks:
  n:
    ipam: {config: [{subnet: 172.30.0.0/24}]}
`)
	for name, want := range map[string][]string{
		"a": {"privileged", "pid", "ipc", "uts", "userns_mode", "cgroup", "cgroup_parent", "runtime", "domainname", "mac_address",
			"cpu_shares", "cpu_quota", "cpu_period", "cpuset", "cpu_count", "cpu_rt_runtime", "blkio_config", "memswap_limit", "mem_swappiness", "shm_size", "oom_score_adj", "oom_kill_disable",
			"devices", "device_cgroup_rules", "deploy.resources.reservations.devices", "storage_opt", "annotations", "volumes_from", "links",
			"external_links", "post_start", "pre_stop", "use_api_socket", "networks.n.ipv4_address", "networks.n.gw_priority", "networks.n.interface_name", "volumes[0].bind.selinux",
			"volumes[1].bind.recursive", "volumes[2].type"},
		"b": {"network_mode"},
	} {
		svc, _ := st.Service(name)
		_, err := swarm.ServiceSpec(st, svc, "h", facts(st, svc, swarmapi.ResolutionModeVIP))
		if err == nil {
			t.Fatalf("service %s: no refusal", name)
		}
		for _, key := range want {
			if !strings.Contains(err.Error(), "services."+name+"."+key+": not supported on a swarm: ") {
				t.Errorf("service %s: error does not refuse %s:\n%v", name, key, err)
			}
		}
	}
}

// A network's settings reach the overlay a swarm makes of it.
func TestNetworkSpecsCarryTheFileSettings(t *testing.T) {
	st := load(t, `
services:
  a: {image: busybox, networks: [n]}
networks:
  n:
    internal: true
    labels: {com.example: n}
    driver_opts: {k: v}
    ipam:
      driver: default
      config: [{subnet: 172.30.0.0/24, gateway: 172.30.0.1}]
`)
	specs, err := swarm.NetworkSpecs(st)
	if err != nil {
		t.Fatal(err)
	}
	o := specs[0].Options
	if !o.Internal || o.Labels["com.example"] != "n" || o.DriverOpts["k"] != "v" || o.IPAM == nil || o.IPAM.Pools[0].Subnet != "172.30.0.0/24" || o.IPAM.Pools[0].Gateway != "172.30.0.1" {
		t.Errorf("network options %+v", o)
	}
}

// A secret from the environment and a config from content become swarm
// objects holding their values.
func TestObjectsFromEnvironmentAndContent(t *testing.T) {
	t.Setenv("SPEC_SWARM_TOKEN", "tok")
	st := load(t, `
services:
  a: {image: busybox, secrets: [s], configs: [c]}
secrets:
  s: {environment: SPEC_SWARM_TOKEN}
configs:
  c: {content: "hello"}
`)
	objects, err := swarm.Objects(st)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range objects {
		got[o.Kind+" "+o.Key] = string(o.Data)
	}
	if got["secret s"] != "tok" || got["config c"] != "hello" {
		t.Errorf("objects' data %v, want the secret's and the config's values", got)
	}
}
