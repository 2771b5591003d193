package swarm_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	swarmapi "github.com/docker/docker/api/types/swarm"
	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/golden"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// isolate keeps the process's COMPOSE_* settings out of a test's loading.
func isolate(t *testing.T) {
	for _, k := range []string{"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "WEB_PORT", "APP_DIR", "POSTGRES_PASSWORD_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// pin and edgeNode are the node labels the tests place stateful services
// and edges with.
var (
	pin      = swarm.NodeLabel{Key: "io.stackctl.data.test", Value: "true"}
	edgeNode = swarm.NodeLabel{Key: "io.stackctl.edge.test", Value: "true"}
)

// facts are deploy facts for every service of st: IDs for its secrets and
// configs, and a registry reference by digest for the images it builds.
func facts(st *stack.Stack, svc *stack.Service, mode swarmapi.ResolutionMode) swarm.Deploy {
	d := swarm.Deploy{EndpointMode: mode, Pin: pin, Edge: edgeNode, SecretIDs: map[string]string{}, ConfigIDs: map[string]string{}}
	objects, _ := swarm.Objects(st)
	for _, o := range objects {
		if o.Kind == "secret" {
			d.SecretIDs[o.Key] = "id-" + o.Name
		} else {
			d.ConfigIDs[o.Key] = "id-" + o.Name
		}
	}
	if svc.Build != nil {
		d.Image = "registry.test:5000/" + svc.Image + "@sha256:" + strings.Repeat("ab", 32)
	}
	return d
}

// render is the golden text of a stack's swarm specs: every service's, the
// networks' and the secrets and configs to create, then the content of
// those stackctl renders (an edge's nginx configuration), as text.
func render(t *testing.T, st *stack.Stack, mode swarmapi.ResolutionMode, dirs ...string) string {
	t.Helper()
	type service struct {
		Service string
		Spec    swarmapi.ServiceSpec
	}
	var services []service
	for i := range st.Services {
		svc := &st.Services[i]
		spec, err := swarm.ServiceSpec(st, svc, "hash-of-"+svc.Name, facts(st, svc, mode))
		if err != nil {
			t.Fatalf("ServiceSpec(%s): %v", svc.Name, err)
		}
		services = append(services, service{svc.Name, spec})
	}
	networks, err := swarm.NetworkSpecs(st)
	if err != nil {
		t.Fatal(err)
	}
	objects, err := swarm.Objects(st)
	if err != nil {
		t.Fatal(err)
	}
	listed := slices.Clone(objects)
	for i := range listed {
		listed[i].Data = nil // shown as text below
	}
	b, err := json.MarshalIndent(struct {
		Services []service
		Networks []swarm.NetworkSpec
		Objects  []swarm.Object
	}{services, networks, listed}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := string(b) + "\n"
	for _, o := range objects {
		if o.Data != nil {
			out += "\n" + o.Kind + " " + o.Name + ":\n" + string(o.Data) + "\n"
		}
	}
	for _, d := range dirs {
		out = strings.ReplaceAll(out, d, "$DIR")
	}
	return out
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got, "the specs made")
}

func TestGolden(t *testing.T) {
	isolate(t)
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	builtin := func(t *testing.T) *stack.Stack {
		return stacktest.Builtin(t, stacktest.Options{Project: "stackctl", WebPort: "5000"})
	}
	// web at three replicas, behind its edge, as --swarm shapes it.
	builtinEdge := func(t *testing.T) *stack.Stack {
		return stacktest.Builtin(t, stacktest.Options{Project: "stackctl", WebPort: "5000",
			Shape: stack.Shape{Distributed: true, Scale: map[string]int{"web": 3}}})
	}
	day34 := func(t *testing.T) *stack.Stack {
		st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{filepath.Join(root, "examples", "day-34", "docker-compose.yml")}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	swarmKeys := func(t *testing.T) *stack.Stack {
		st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{filepath.Join("testdata", "swarm-keys", "compose.yaml")}})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	tests := []struct {
		name string
		load func(*testing.T) *stack.Stack
		mode swarmapi.ResolutionMode
	}{
		{"builtin", builtin, swarmapi.ResolutionModeVIP},
		{"builtin-dnsrr", builtin, swarmapi.ResolutionModeDNSRR},
		{"builtin-edge-dnsrr", builtinEdge, swarmapi.ResolutionModeDNSRR},
		{"day-34", day34, swarmapi.ResolutionModeVIP},
		{"swarm-keys", swarmKeys, swarmapi.ResolutionModeVIP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, render(t, tt.load(t), tt.mode, root))
		})
	}
}

// load loads a compose file given as text, under project p.
func load(t *testing.T, file string) *stack.Stack {
	t.Helper()
	isolate(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(path, []byte("name: p\n"+file), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"s.txt", "c.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// specOf is the spec of service name in the stack file, or fails the test.
func specOf(t *testing.T, file, name string, mode swarmapi.ResolutionMode) swarmapi.ServiceSpec {
	t.Helper()
	st := load(t, file)
	svc, ok := st.Service(name)
	if !ok {
		t.Fatalf("no service %s", name)
	}
	spec, err := swarm.ServiceSpec(st, svc, "h", facts(st, svc, mode))
	if err != nil {
		t.Fatalf("ServiceSpec(%s): %v", name, err)
	}
	return spec
}

// Each mapping, one service at a time.
func TestServiceSpecMappings(t *testing.T) {
	vip := swarmapi.ResolutionModeVIP
	tests := []struct {
		name, service string
		file          string
		mode          swarmapi.ResolutionMode
		check         func(t *testing.T, s swarmapi.ServiceSpec)
	}{
		{"name and labels", "web", `
services:
  web:
    image: nginx
    labels: {tier: front}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			if s.Name != "p_web" {
				t.Errorf("name %q, want p_web", s.Name)
			}
			want := map[string]string{"tier": "front", stack.LabelProject: "p", stack.LabelService: "web", stack.LabelConfigHash: "h", swarm.LabelNamespace: "p"}
			if !maps.Equal(s.Labels, want) {
				t.Errorf("service labels %v, want %v", s.Labels, want)
			}
			cl := s.TaskTemplate.ContainerSpec.Labels
			if !maps.Equal(cl, map[string]string{"tier": "front", swarm.LabelNamespace: "p"}) {
				t.Errorf("container labels %v: want the service's own and the namespace, no io.stackctl ones", cl)
			}
		}},
		{"entrypoint is Command, command is Args", "a", `
services:
  a:
    image: busybox
    entrypoint: ["/bin/tini", "--"]
    command: ["serve", "--port", "80"]
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			cs := s.TaskTemplate.ContainerSpec
			if !slices.Equal(cs.Command, []string{"/bin/tini", "--"}) || !slices.Equal(cs.Args, []string{"serve", "--port", "80"}) {
				t.Errorf("Command %q Args %q; want the entrypoint and the command", cs.Command, cs.Args)
			}
		}},
		{"process settings", "a", `
services:
  a:
    image: busybox
    environment: {B: "2", A: "1"}
    working_dir: /srv
    user: "1000:1000"
    init: true
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    stop_signal: SIGINT
    stop_grace_period: 20s
    security_opt: ["no-new-privileges:true"]
    extra_hosts: ["db.local:10.0.0.5", "v6:::1"]
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			cs := s.TaskTemplate.ContainerSpec
			switch {
			case !slices.Equal(cs.Env, []string{"A=1", "B=2"}):
				t.Errorf("env %q", cs.Env)
			case cs.Dir != "/srv" || cs.User != "1000:1000" || cs.Init == nil || !*cs.Init || !cs.ReadOnly:
				t.Errorf("dir %q user %q init %v read-only %v", cs.Dir, cs.User, cs.Init, cs.ReadOnly)
			case !slices.Equal(cs.CapabilityAdd, []string{"NET_ADMIN"}) || !slices.Equal(cs.CapabilityDrop, []string{"ALL"}):
				t.Errorf("caps +%q -%q", cs.CapabilityAdd, cs.CapabilityDrop)
			case cs.StopSignal != "SIGINT" || cs.StopGracePeriod == nil || *cs.StopGracePeriod != 20*time.Second:
				t.Errorf("stop %q after %v", cs.StopSignal, cs.StopGracePeriod)
			case cs.Privileges == nil || !cs.Privileges.NoNewPrivileges:
				t.Errorf("privileges %+v, want no-new-privileges", cs.Privileges)
			case !slices.Equal(cs.Hosts, []string{"10.0.0.5 db.local", "::1 v6"}):
				t.Errorf("hosts %q, want IP first", cs.Hosts)
			case cs.Hostname != "p-a-{{.Task.Slot}}":
				t.Errorf("hostname %q, want the replica's name", cs.Hostname)
			}
		}},
		{"mounts", "a", `
services:
  a:
    image: busybox
    volumes:
      - data:/data
      - ext:/ext:ro
      - /anon
      - /etc/hosts:/host-hosts:ro
    tmpfs: ["/run:size=64m,mode=1777,noexec"]
volumes:
  data: {}
  ext: {external: true}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			m := s.TaskTemplate.ContainerSpec.Mounts
			if len(m) != 5 {
				t.Fatalf("mounts %+v, want 5", m)
			}
			if m[0].Type != "volume" || m[0].Source != "p_data" || m[0].VolumeOptions == nil || m[0].VolumeOptions.Labels[stack.LabelVolume] != "data" {
				t.Errorf("named volume %+v, want p_data labelled as the stack's", m[0])
			}
			if m[1].Source != "ext" || m[1].VolumeOptions != nil || !m[1].ReadOnly {
				t.Errorf("external volume %+v, want ext read-only without options", m[1])
			}
			if m[2].Type != "volume" || m[2].Source != "" || m[2].Target != "/anon" {
				t.Errorf("anonymous volume %+v", m[2])
			}
			if m[3].Type != "bind" || m[3].Source != "/etc/hosts" || !m[3].ReadOnly {
				t.Errorf("bind %+v", m[3])
			}
			if o := m[4].TmpfsOptions; m[4].Type != "tmpfs" || o == nil || o.SizeBytes != 64<<20 || o.Mode != 0o1777 || len(o.Options) != 1 || o.Options[0][0] != "noexec" {
				t.Errorf("tmpfs %+v %+v", m[4], o)
			}
		}},
		{"secrets and configs", "a", `
services:
  a:
    image: busybox
    secrets: [s, {source: s2, target: other, uid: "1000", gid: "1001", mode: 0400}]
    configs: [c, {source: c, target: /etc/app.conf, uid: "33", mode: 0440}]
secrets:
  s: {file: ./s.txt}
  s2: {file: ./s.txt}
configs:
  c: {file: ./c.txt}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			sec := s.TaskTemplate.ContainerSpec.Secrets
			if len(sec) != 2 || sec[0].SecretName != "p_s" || sec[0].SecretID != "id-p_s" || sec[0].File.Name != "s" || sec[0].File.Mode != 0o444 || sec[0].File.UID != "0" ||
				sec[1].File.Name != "other" || sec[1].File.UID != "1000" || sec[1].File.GID != "1001" || sec[1].File.Mode != 0o400 {
				t.Errorf("secrets %s", jsonOf(sec))
			}
			cfg := s.TaskTemplate.ContainerSpec.Configs
			if len(cfg) != 2 || cfg[0].ConfigName != "p_c" || cfg[0].ConfigID != "id-p_c" || cfg[0].File.Name != "/c" || cfg[0].File.Mode != 0o444 ||
				cfg[1].File.Name != "/etc/app.conf" || cfg[1].File.UID != "33" || cfg[1].File.GID != "0" || cfg[1].File.Mode != 0o440 {
				t.Errorf("configs %s", jsonOf(cfg))
			}
		}},
		{"healthcheck", "a", `
services:
  a:
    image: busybox
    healthcheck:
      test: ["CMD", "true"]
      interval: 7s
      timeout: 2s
      start_period: 30s
      start_interval: 1s
      retries: 4
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			hc := s.TaskTemplate.ContainerSpec.Healthcheck
			if hc == nil || !slices.Equal(hc.Test, []string{"CMD", "true"}) || hc.Interval != 7*time.Second || hc.Timeout != 2*time.Second ||
				hc.StartPeriod != 30*time.Second || hc.StartInterval != time.Second || hc.Retries != 4 {
				t.Errorf("healthcheck %+v", hc)
			}
			if s.UpdateConfig.Monitor != 7*time.Second {
				t.Errorf("monitor %v, want the probe interval", s.UpdateConfig.Monitor)
			}
		}},
		{"stateless defaults", "a", `
services:
  a:
    image: busybox
    deploy: {replicas: 3}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			u, r := s.UpdateConfig, s.RollbackConfig
			switch {
			case s.Mode.Replicated == nil || *s.Mode.Replicated.Replicas != 3:
				t.Errorf("mode %s, want 3 replicas", jsonOf(s.Mode))
			case u == nil || u.Order != "start-first" || u.FailureAction != "rollback" || u.Parallelism != 1 || u.Monitor != 5*time.Second:
				t.Errorf("update %+v, want start-first, rollback, one at a time, 5s", u)
			case r == nil || r.Order != "start-first" || r.FailureAction != "pause" || r.Parallelism != 1:
				t.Errorf("rollback %+v", r)
			case s.TaskTemplate.Placement != nil:
				t.Errorf("a stateless service is placed: %+v", s.TaskTemplate.Placement)
			case s.TaskTemplate.RestartPolicy.Condition != "none":
				t.Errorf("restart %+v, want none as the file says nothing", s.TaskTemplate.RestartPolicy)
			}
		}},
		{"update config from the file", "a", `
services:
  a:
    image: busybox
    healthcheck: {test: ["CMD", "true"], interval: 10s}
    deploy:
      update_config: {parallelism: 2, order: stop-first, monitor: 3s, failure_action: rollback}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			u := s.UpdateConfig
			if u.Parallelism != 2 || u.Order != "stop-first" || u.Monitor != 10*time.Second {
				t.Errorf("update %+v, want 2 at a time, stop-first, monitor raised to the 10s interval", u)
			}
		}},
		{"swarm's deploy keys", "a", `
services:
  a:
    image: busybox
    labels: {tier: back}
    deploy:
      endpoint_mode: dnsrr
      labels: {owner: team-a}
      restart_policy: {condition: on-failure, delay: 2s, window: 30s}
      update_config: {delay: 4s, max_failure_ratio: 0.25}
      rollback_config: {parallelism: 3, delay: 1s, failure_action: continue, monitor: 7s, order: stop-first}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			if s.EndpointSpec.Mode != swarmapi.ResolutionModeDNSRR {
				t.Errorf("endpoint mode %q, want dnsrr as the file asks over the caller's vip", s.EndpointSpec.Mode)
			}
			if s.Labels["owner"] != "team-a" || s.Labels["tier"] != "back" {
				t.Errorf("service labels %v, want deploy.labels' owner and labels' tier", s.Labels)
			}
			if _, ok := s.TaskTemplate.ContainerSpec.Labels["owner"]; ok {
				t.Errorf("container labels %v carry deploy.labels", s.TaskTemplate.ContainerSpec.Labels)
			}
			rp := s.TaskTemplate.RestartPolicy
			if rp.Delay == nil || *rp.Delay != 2*time.Second || rp.Window == nil || *rp.Window != 30*time.Second {
				t.Errorf("restart policy %+v, want delay 2s and window 30s", rp)
			}
			u, r := s.UpdateConfig, s.RollbackConfig
			if u.Delay != 4*time.Second || u.MaxFailureRatio != 0.25 {
				t.Errorf("update %+v, want delay 4s and failure ratio 0.25", u)
			}
			want := swarmapi.UpdateConfig{Parallelism: 3, Delay: time.Second, FailureAction: "continue", Monitor: 7 * time.Second, MaxFailureRatio: 0.25, Order: "stop-first"}
			if *r != want {
				t.Errorf("rollback %+v, want %+v (the ratio the update's)", *r, want)
			}
		}},
		{"rollback config unset follows the update", "a", `
services:
  a:
    image: busybox
    deploy:
      update_config: {parallelism: 2, delay: 4s}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			r := s.RollbackConfig
			if r.Parallelism != 2 || r.Delay != 4*time.Second || r.FailureAction != "pause" || s.TaskTemplate.RestartPolicy.Delay != nil {
				t.Errorf("rollback %+v, restart %+v: want the update's parallelism and delay, paused on failure, no restart delay", r, s.TaskTemplate.RestartPolicy)
			}
		}},
		{"stateful service pinned and stop-first", "db", `
services:
  db:
    image: postgres
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data: {}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			p := s.TaskTemplate.Placement
			if p == nil || !slices.Equal(p.Constraints, []string{"node.labels.io.stackctl.data.test==true"}) {
				t.Errorf("placement %+v, want the pin", p)
			}
			if s.UpdateConfig.Order != "stop-first" || s.RollbackConfig.Order != "stop-first" {
				t.Errorf("update order %q, rollback %q; want stop-first", s.UpdateConfig.Order, s.RollbackConfig.Order)
			}
		}},
		{"read-only named volume pinned, start-first", "a", `
services:
  a:
    image: busybox
    volumes: [data:/data:ro]
volumes:
  data: {}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			if s.TaskTemplate.Placement == nil || s.UpdateConfig.Order != "start-first" {
				t.Errorf("placement %+v order %q; want pinned, start-first", s.TaskTemplate.Placement, s.UpdateConfig.Order)
			}
		}},
		{"one-shot", "migrate", `
services:
  migrate:
    image: busybox
    restart: always
    x-stackctl: {role: oneshot}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			j := s.Mode.ReplicatedJob
			switch {
			case j == nil || s.Mode.Replicated != nil || *j.MaxConcurrent != 1 || *j.TotalCompletions != 1:
				t.Errorf("mode %s, want a job run once", jsonOf(s.Mode))
			case s.UpdateConfig != nil || s.RollbackConfig != nil:
				t.Errorf("a job has an update config; the swarm refuses one")
			case s.TaskTemplate.RestartPolicy.Condition != "on-failure":
				t.Errorf("restart %q, want on-failure: a job that succeeded is done", s.TaskTemplate.RestartPolicy.Condition)
			case s.Labels[stack.LabelOneShot] != "true":
				t.Errorf("labels %v, want the one-shot mark", s.Labels)
			case s.TaskTemplate.ContainerSpec.Hostname != "p-migrate-1":
				t.Errorf("hostname %q, want the one replica's name", s.TaskTemplate.ContainerSpec.Hostname)
			}
		}},
		{"completion target is a one-shot", "migrate", `
services:
  migrate:
    image: busybox
  web:
    image: busybox
    depends_on: {migrate: {condition: service_completed_successfully}}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			if s.Mode.ReplicatedJob == nil {
				t.Errorf("mode %s, want a job", jsonOf(s.Mode))
			}
		}},
		{"networks and aliases", "a", `
services:
  a:
    image: busybox
    container_name: the-a
    networks:
      front: {aliases: [www]}
      back: {}
networks:
  front: {}
  back: {name: shared-back}
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			n := s.TaskTemplate.Networks
			want := []swarmapi.NetworkAttachmentConfig{
				{Target: "p_front", Aliases: []string{"a", "www", "the-a"}},
				{Target: "shared-back", Aliases: []string{"a", "the-a"}},
			}
			slices.SortFunc(n, func(x, y swarmapi.NetworkAttachmentConfig) int { return strings.Compare(x.Target, y.Target) })
			if jsonOf(n) != jsonOf(want) {
				t.Errorf("networks %s, want %s", jsonOf(n), jsonOf(want))
			}
			if h := s.TaskTemplate.ContainerSpec.Hostname; h != "the-a" {
				t.Errorf("hostname %q, want the container_name", h)
			}
		}},
		{"ports on the routing mesh", "a", `
services:
  a:
    image: busybox
    ports: ["8080:80", "53/udp"]
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			want := &swarmapi.EndpointSpec{Mode: "vip", Ports: []swarmapi.PortConfig{
				{Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress"},
				{Protocol: "udp", TargetPort: 53, PublishMode: "ingress"},
			}}
			if jsonOf(s.EndpointSpec) != jsonOf(want) {
				t.Errorf("endpoint %s, want %s", jsonOf(s.EndpointSpec), jsonOf(want))
			}
			if s.UpdateConfig.Order != "start-first" {
				t.Errorf("order %q: the mesh lets a new task start beside the old", s.UpdateConfig.Order)
			}
		}},
		{"ports without IPVS", "a", `
services:
  a:
    image: busybox
    ports: ["8080:80"]
`, swarmapi.ResolutionModeDNSRR, func(t *testing.T, s swarmapi.ServiceSpec) {
			e := s.EndpointSpec
			if e.Mode != "dnsrr" || len(e.Ports) != 1 || e.Ports[0].PublishMode != "host" || e.Ports[0].PublishedPort != 8080 {
				t.Errorf("endpoint %s, want dnsrr publishing 8080 in host mode", jsonOf(e))
			}
			if s.UpdateConfig.Order != "stop-first" {
				t.Errorf("order %q: a new task cannot bind 8080 beside the old one", s.UpdateConfig.Order)
			}
		}},
		{"image from the facts", "a", `
services:
  a:
    build: .
`, vip, func(t *testing.T, s swarmapi.ServiceSpec) {
			if img := s.TaskTemplate.ContainerSpec.Image; !strings.HasPrefix(img, "registry.test:5000/p-a@sha256:") {
				t.Errorf("image %q, want the pushed reference", img)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, specOf(t, tt.file, tt.service, tt.mode))
		})
	}
}

func TestRestartPolicies(t *testing.T) {
	tests := []struct {
		restart   string
		condition swarmapi.RestartPolicyCondition
		attempts  uint64
	}{
		{"", "none", 0},
		{`restart: "no"`, "none", 0},
		{"restart: always", "any", 0},
		{"restart: unless-stopped", "any", 0},
		{"restart: on-failure", "on-failure", 0},
		{"restart: on-failure:3", "on-failure", 3},
		{"deploy: {restart_policy: {condition: any}}", "any", 0},
		{"deploy: {restart_policy: {condition: on-failure, max_attempts: 2}}", "on-failure", 2},
	}
	for _, tt := range tests {
		t.Run(tt.restart, func(t *testing.T) {
			s := specOf(t, "services:\n  a:\n    image: busybox\n    "+tt.restart+"\n", "a", swarmapi.ResolutionModeVIP)
			p := s.TaskTemplate.RestartPolicy
			var attempts uint64
			if p.MaxAttempts != nil {
				attempts = *p.MaxAttempts
			}
			if p.Condition != tt.condition || attempts != tt.attempts {
				t.Errorf("restart policy %s, want %s with %d attempts", jsonOf(p), tt.condition, tt.attempts)
			}
		})
	}
}

// Everything a swarm cannot do is refused, naming the service and key.
func TestServiceSpecRefusals(t *testing.T) {
	tests := []struct {
		name, file, service string
		mode                swarmapi.ResolutionMode
		deploy              func(*swarm.Deploy)
		want                []string
	}{
		{name: "host IP", service: "web", file: `
services:
  web:
    image: nginx
    ports: ["127.0.0.1:8080:80"]
`, want: []string{"services.web.ports[0]: a host IP cannot be published on a swarm"}},
		{name: "range", service: "web", file: `
services:
  web:
    image: nginx
    ports: ["8080-8081:80"]
`, want: []string{"services.web.ports[0]: a range of host ports (8080-8081)"}},
		{name: "empty entrypoint", service: "a", file: `
services:
  a:
    image: busybox
    entrypoint: []
`, want: []string{"services.a.entrypoint: an empty entrypoint"}},
		{name: "security options", service: "a", file: `
services:
  a:
    image: busybox
    security_opt: ["seccomp=/etc/profile.json", "apparmor=my-profile", "systempaths=unconfined", "label=disable"]
`, want: []string{"services.a.security_opt[0]", "services.a.security_opt[1]", "services.a.security_opt[2]"}},
		{name: "tmpfs option", service: "a", file: `
services:
  a:
    image: busybox
    tmpfs: ["/run:uid=1000"]
`, want: []string{`services.a.tmpfs: /run: option "uid=1000"`}},
		{name: "start-first on a single writer", service: "db", file: `
services:
  db:
    image: postgres
    volumes: [data:/data]
    deploy: {update_config: {order: start-first}}
volumes:
  data: {x-stackctl: {single_writer: true}}
`, want: []string{"services.db.deploy.update_config.order: start-first would run two writers of single_writer volume data"}},
		{name: "vip without the routing mesh", service: "a", mode: swarmapi.ResolutionModeDNSRR, file: `
services:
  a:
    image: busybox
    deploy: {endpoint_mode: vip}
`, want: []string{"services.a.deploy.endpoint_mode: vip needs the routing mesh"}},
		{name: "start-first rollback on a single writer", service: "db", file: `
services:
  db:
    image: postgres
    volumes: [data:/data]
    deploy: {rollback_config: {order: start-first}}
volumes:
  data: {x-stackctl: {single_writer: true}}
`, want: []string{"services.db.deploy.rollback_config.order: start-first would run two writers of single_writer volume data"}},
		{name: "no pin for a stateful service", service: "db", file: `
services:
  db:
    image: postgres
    volumes: [data:/data]
volumes:
  data: {}
`, deploy: func(d *swarm.Deploy) { d.Pin = swarm.NodeLabel{} }, want: []string{"services.db.volumes: its named volumes live on one node"}},
		{name: "secret not created", service: "a", file: `
services:
  a:
    image: busybox
    secrets: [s]
secrets:
  s: {file: ./s.txt}
`, deploy: func(d *swarm.Deploy) { d.SecretIDs = nil }, want: []string{"services.a.secrets[0]: secret s has no swarm ID"}},
		{name: "config not created", service: "a", file: `
services:
  a:
    image: busybox
    configs: [c]
configs:
  c: {file: ./c.txt}
`, deploy: func(d *swarm.Deploy) { d.ConfigIDs = nil }, want: []string{"services.a.configs[0]: config c has no swarm ID"}},
		{name: "service name", service: "my.svc", file: `
services:
  my.svc:
    image: busybox
`, want: []string{"services.my.svc: a swarm cannot name a service p_my.svc"}},
		{name: "endpoint mode", service: "a", file: `
services:
  a:
    image: busybox
`, mode: "mesh", want: []string{`endpoint mode "mesh"`}},
		{name: "all at once", service: "web", file: `
services:
  web:
    image: nginx
    entrypoint: []
    ports: ["127.0.0.1:80:80", "8000-8001:81"]
`, want: []string{"services.web.entrypoint", "services.web.ports[0]", "services.web.ports[1]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := load(t, tt.file)
			svc, ok := st.Service(tt.service)
			if !ok {
				t.Fatalf("no service %s", tt.service)
			}
			d := facts(st, svc, tt.mode)
			if tt.deploy != nil {
				tt.deploy(&d)
			}
			_, err := swarm.ServiceSpec(st, svc, "h", d)
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no refusal")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// The edge the shape adds runs as one task on the labelled node, publishing
// its target's port in host mode whatever the endpoint mode (the routing
// mesh would add a hop), configured by a swarm config that resolves the
// target's tasks.
func TestEdgeSpec(t *testing.T) {
	file := `
services:
  web:
    image: nginx
    ports: ["8080:80"]
    healthcheck: {test: ["CMD", "true"]}
    x-stackctl: {edge: always}
`
	for _, mode := range []swarmapi.ResolutionMode{swarmapi.ResolutionModeVIP, swarmapi.ResolutionModeDNSRR} {
		st := load(t, file)
		if err := st.ApplyShape(stack.Shape{Distributed: true}); err != nil {
			t.Fatal(err)
		}
		edge, ok := st.Service("web" + stack.EdgeSuffix)
		if !ok {
			t.Fatalf("no edge in %v", st.ServiceNames())
		}
		spec, err := swarm.ServiceSpec(st, edge, "h", facts(st, edge, mode))
		if err != nil {
			t.Fatalf("%s: edge: %v", mode, err)
		}
		if got := spec.TaskTemplate.Placement; got == nil || !slices.Equal(got.Constraints, []string{"node.labels.io.stackctl.edge.test==true"}) {
			t.Errorf("%s: edge placement %+v, want the edge node's label", mode, got)
		}
		if r := spec.Mode.Replicated; r == nil || r.Replicas == nil || *r.Replicas != 1 {
			t.Errorf("%s: edge mode %+v, want one replica", mode, spec.Mode)
		}
		want := []swarmapi.PortConfig{{Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: swarmapi.PortConfigPublishModeHost}}
		if got := spec.EndpointSpec.Ports; jsonOf(got) != jsonOf(want) {
			t.Errorf("%s: edge ports %s, want %s", mode, jsonOf(got), jsonOf(want))
		}
		if spec.Labels[stack.LabelBalances] != "web" {
			t.Errorf("%s: edge labels %v, want %s=web", mode, spec.Labels, stack.LabelBalances)
		}
		// Its port is fixed on its one node: the new task cannot bind it
		// beside the old one.
		if spec.UpdateConfig.Order != swarmapi.UpdateOrderStopFirst {
			t.Errorf("%s: edge update order %s, want stop-first", mode, spec.UpdateConfig.Order)
		}
		o, err := swarm.EdgeObject(st, edge)
		if err != nil {
			t.Fatal(err)
		}
		refs := spec.TaskTemplate.ContainerSpec.Configs
		if len(refs) != 1 || refs[0].File.Name != "/etc/nginx/conf.d/default.conf" || refs[0].ConfigName != o.Name || refs[0].ConfigID != "id-"+o.Name {
			t.Errorf("%s: edge configs %s, want %s at nginx's default.conf", mode, jsonOf(refs), o.Name)
		}
		if !strings.Contains(string(o.Data), "set $replicas tasks.p_web;") || !strings.Contains(string(o.Data), "proxy_pass http://$replicas:80;") {
			t.Errorf("edge config resolves no tasks.p_web on port 80:\n%s", o.Data)
		}
		web, _ := st.Service("web")
		if spec, err := swarm.ServiceSpec(st, web, "h", facts(st, web, mode)); err != nil || len(spec.EndpointSpec.Ports) != 0 {
			t.Errorf("%s: web behind its edge publishes %v (%v), want nothing", mode, spec.EndpointSpec.Ports, err)
		}
	}

	// The config's name follows its content: a swarm config cannot change.
	st := load(t, file)
	if err := st.ApplyShape(stack.Shape{Distributed: true}); err != nil {
		t.Fatal(err)
	}
	edge, _ := st.Service("web" + stack.EdgeSuffix)
	before, _ := swarm.EdgeObject(st, edge)
	edge.LoadBalancer.TargetPort = 81
	after, _ := swarm.EdgeObject(st, edge)
	if before.Name == after.Name || !strings.HasPrefix(before.Name, "p_web-edge-") {
		t.Errorf("edge configs named %s and %s for different content, want p_web-edge-<digest>, different", before.Name, after.Name)
	}
	objects, err := swarm.Objects(st)
	if err != nil || !slices.ContainsFunc(objects, func(o swarm.Object) bool { return o.Name == after.Name && o.Data != nil }) {
		t.Errorf("objects %+v (%v), want the edge's config %s among them", objects, err, after.Name)
	}

	// Without a node to place it, the edge is refused, naming its target.
	d := facts(st, edge, swarmapi.ResolutionModeDNSRR)
	d.Edge = swarm.NodeLabel{}
	if _, err := swarm.ServiceSpec(st, edge, "h", d); err == nil || !strings.Contains(err.Error(), "services.web.x-stackctl.edge: the edge web-edge publishes on one node") {
		t.Errorf("edge without a node label: %v, want a refusal naming web's x-stackctl.edge", err)
	}
}

func TestNetworkSpecs(t *testing.T) {
	st := load(t, `
services:
  a:
    image: busybox
    networks: [app, ext]
networks:
  app: {driver: bridge}
  ext: {external: true, name: corp}
`)
	got, err := swarm.NetworkSpecs(st)
	if err != nil {
		t.Fatal(err)
	}
	want := []swarm.NetworkSpec{
		{Key: "app", Name: "p_app", Options: engine.NetworkOptions{Driver: "overlay", Attachable: true, Labels: map[string]string{stack.LabelProject: "p", stack.LabelNetwork: "app", swarm.LabelNamespace: "p"}}},
		{Key: "ext", Name: "corp", External: true},
	}
	if jsonOf(got) != jsonOf(want) {
		t.Errorf("networks %s\nwant %s", jsonOf(got), jsonOf(want))
	}

	st = load(t, "services:\n  a:\n    image: busybox\n    networks: [lan]\nnetworks:\n  lan: {driver: macvlan}\n")
	if _, err := swarm.NetworkSpecs(st); err == nil || !strings.Contains(err.Error(), `networks.lan.driver: "macvlan"`) {
		t.Errorf("macvlan: %v, want a refusal naming networks.lan.driver", err)
	}
	st = load(t, "services:\n  a:\n    image: busybox\n    networks: [six]\nnetworks:\n  six: {enable_ipv4: false, enable_ipv6: true}\n")
	if _, err := swarm.NetworkSpecs(st); err == nil || !strings.Contains(err.Error(), "networks.six.enable_ipv4: ") {
		t.Errorf("enable_ipv4: %v, want a refusal naming networks.six.enable_ipv4", err)
	}
}

func TestObjects(t *testing.T) {
	st := load(t, `
services:
  a:
    image: busybox
    secrets: [s]
    configs: [c]
  b:
    image: busybox
    secrets: [s]
secrets:
  s: {file: ./s.txt, labels: {team: a}}
configs:
  c: {file: ./c.txt, labels: {team: b}}
`)
	objects, err := swarm.Objects(st)
	if err != nil {
		t.Fatal(err)
	}
	if len(objects) != 2 || objects[0].Kind != "secret" || objects[0].Name != "p_s" || objects[1].Kind != "config" || objects[1].Name != "p_c" ||
		filepath.Base(objects[0].Source) != "s.txt" {
		t.Errorf("objects %+v, want p_s then p_c, each once", objects)
	}

	one, two := swarm.SecretSpec(st, "s", nil, []byte("one")), swarm.SecretSpec(st, "s", nil, []byte("two"))
	if one.Name != "p_s" || string(one.Data) != "one" || one.Labels[stack.LabelProject] != "p" || one.Labels[swarm.LabelNamespace] != "p" {
		t.Errorf("secret spec %+v", one.Annotations)
	}
	if one.Labels[stack.LabelConfigHash] == "" || one.Labels[stack.LabelConfigHash] == two.Labels[stack.LabelConfigHash] {
		t.Errorf("hash labels %q and %q: want them set and different for different data", one.Labels[stack.LabelConfigHash], two.Labels[stack.LabelConfigHash])
	}
	if c := swarm.ConfigSpec(st, "c", nil, []byte("x")); c.Name != "p_c" || string(c.Data) != "x" || c.Labels[stack.LabelProject] != "p" {
		t.Errorf("config spec %+v", c)
	}

	if objects[0].Labels["team"] != "a" || objects[1].Labels["team"] != "b" {
		t.Errorf("objects' labels %v and %v, want the file's team a and b", objects[0].Labels, objects[1].Labels)
	}
	own := map[string]string{"team": "a", stack.LabelProject: "other"}
	if l := swarm.SecretSpec(st, "s", own, []byte("x")).Labels; l["team"] != "a" || l[stack.LabelProject] != "p" {
		t.Errorf("secret labels %v, want the file's team and stackctl's project over the file's", l)
	}
	if l := swarm.ConfigSpec(st, "c", own, []byte("x")).Labels; l["team"] != "a" || l[stack.LabelProject] != "p" {
		t.Errorf("config labels %v, want the file's team and stackctl's project over the file's", l)
	}

	st.Services[0].Secrets[0].Name = "bad name"
	if _, err := swarm.Objects(st); err == nil || !strings.Contains(err.Error(), "secrets.bad name: a swarm cannot name a secret p_bad name") {
		t.Errorf("bad name: %v", err)
	}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
