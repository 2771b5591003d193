package stack_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/golden"
	"github.com/stackctl/stackctl/internal/stack"
)

// asGoldenJSON renders the model as text, with the test's directories replaced,
// so a golden file says exactly what the loader made of a compose file.
func asGoldenJSON(t *testing.T, st *stack.Stack, dirs ...string) string {
	t.Helper()
	b, err := json.MarshalIndent(struct {
		Project  string
		Services []stack.Service
		Networks []stack.Network
		Volumes  []stack.Volume
		Notices  []string
	}{st.Project, st.Services, st.Networks, st.Volumes, st.Notices}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := string(b) + "\n"
	for _, d := range dirs {
		out = strings.ReplaceAll(out, d, "$DIR")
	}
	return out
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got, "what the loader made")
}

// isolate keeps the process's COMPOSE_* settings and .env files out of a
// test's loading.
func isolate(t *testing.T) {
	for _, k := range []string{"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "DB_PASSWORD", "WEB_PORT", "APP_DIR", "POSTGRES_PASSWORD"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func TestLoadGolden(t *testing.T) {
	isolate(t)
	full, err := filepath.Abs(filepath.Join("testdata", "full"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	build, err := filepath.Abs(filepath.Join("testdata", "build"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts stack.LoadOptions
		dirs []string
	}{
		{name: "full", opts: stack.LoadOptions{Files: []string{filepath.Join(full, "compose.yaml")}}, dirs: []string{full}},
		{name: "full-debug-profile", opts: stack.LoadOptions{Files: []string{filepath.Join(full, "compose.yaml")}, Profiles: []string{"debug"}, ProjectName: "other"}, dirs: []string{full}},
		{name: "builtin", opts: stack.LoadOptions{WorkingDir: root}, dirs: []string{root}},
		{name: "build", opts: stack.LoadOptions{Files: []string{filepath.Join(build, "compose.yaml")}}, dirs: []string{build}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := stack.Load(context.Background(), tt.opts)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			checkGolden(t, tt.name, asGoldenJSON(t, st, tt.dirs...))
		})
	}
}

// Compose's precedence for the project name: -p, COMPOSE_PROJECT_NAME,
// name:, the project directory's name.
func TestProjectNamePrecedence(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	write(t, file, "services:\n  a:\n    image: busybox\n")
	named := filepath.Join(dir, "named.yaml")
	write(t, named, "name: fromfile\nservices:\n  a:\n    image: busybox\n")

	load := func(opts stack.LoadOptions) string {
		t.Helper()
		st, err := stack.Load(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return st.Project
	}
	if got := load(stack.LoadOptions{Files: []string{file}}); got != strings.ToLower(filepath.Base(dir)) {
		t.Errorf("no name anywhere: project %q, want the directory's %q", got, filepath.Base(dir))
	}
	if got := load(stack.LoadOptions{Files: []string{named}}); got != "fromfile" {
		t.Errorf("name: in the file: project %q, want fromfile", got)
	}
	t.Setenv("COMPOSE_PROJECT_NAME", "fromenv")
	if got := load(stack.LoadOptions{Files: []string{named}}); got != "fromenv" {
		t.Errorf("COMPOSE_PROJECT_NAME: project %q, want fromenv", got)
	}
	if got := load(stack.LoadOptions{Files: []string{named}, ProjectName: "fromflag"}); got != "fromflag" {
		t.Errorf("-p: project %q, want fromflag", got)
	}
}

// With no -f: COMPOSE_FILE, else compose.yaml looked up from the project
// directory upwards, else the built-in stack; later files override.
func TestFileSelection(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "docker-compose.yml"), "services:\n  found:\n    image: busybox\n")
	write(t, filepath.Join(dir, "override.yaml"), "services:\n  found:\n    image: alpine\n")

	st, err := stack.Load(context.Background(), stack.LoadOptions{WorkingDir: sub})
	if err != nil {
		t.Fatal(err)
	}
	if svc, ok := st.Service("found"); !ok || svc.Image != "busybox" {
		t.Errorf("lookup upwards: services %v, want found from docker-compose.yml", st.ServiceNames())
	}
	st, err = stack.Load(context.Background(), stack.LoadOptions{Files: []string{filepath.Join(dir, "docker-compose.yml"), filepath.Join(dir, "override.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	if svc, _ := st.Service("found"); svc == nil || svc.Image != "alpine" {
		t.Errorf("override: image %v, want alpine from the later file", svc)
	}
	t.Setenv("COMPOSE_FILE", filepath.Join(dir, "override.yaml"))
	st, err = stack.Load(context.Background(), stack.LoadOptions{WorkingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if svc, _ := st.Service("found"); svc == nil || svc.Image != "alpine" {
		t.Errorf("COMPOSE_FILE: image %v, want alpine", svc)
	}
	os.Unsetenv("COMPOSE_FILE")
	st, err = stack.Load(context.Background(), stack.LoadOptions{WorkingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files[0] != stack.BuiltinFile || st.Project != "stackctl" {
		t.Errorf("no file anywhere: loaded %v as %q, want the built-in stack", st.Files, st.Project)
	}
}

// Every bad input is refused with an error that names the file and the key.
func TestLoadErrors(t *testing.T) {
	isolate(t)
	tests := []struct {
		name, file string
		want       []string
	}{
		{"unknown service in depends_on", "services:\n  a:\n    image: busybox\n    depends_on: [nope]\n", []string{"nope"}},
		{"cycle", "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n", []string{"cycle"}},
		{"bad port", "services:\n  a:\n    image: busybox\n    ports: [\"99999:80\"]\n", []string{"99999"}},
		{"required variable unset", "services:\n  a:\n    image: ${IMAGE:?set IMAGE to the image to run}\n", []string{"set IMAGE to the image to run"}},
		{"unsupported key", "services:\n  a:\n    image: busybox\n    credential_spec: {file: x.json}\n", []string{"services.a.credential_spec: not supported"}},
		{"unsupported nested key", "services:\n  a:\n    image: busybox\n    deploy:\n      placement:\n        constraints: [node.role==manager]\n", []string{"services.a.deploy.placement: not supported: placement is for a swarm"}},
		{"key of a list item", "services:\n  a:\n    build:\n      context: .\n      secrets:\n        - {source: s, uid: \"1\"}\nsecrets:\n  s:\n    environment: HOME\n", []string{"services.a.build.secrets[0].uid: not supported"}},
		{"key of a nested map", "services:\n  a:\n    image: busybox\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {capabilities: [gpu], driver: nvidia}\n          generic_resources:\n            - {discrete_resource_spec: {kind: gpu, value: 1}}\n", []string{"services.a.deploy.resources.reservations.generic_resources: not supported"}},
		{"key of a second list item", "services:\n  a:\n    build:\n      context: .\n      secrets:\n        - s\n        - {source: s, target: t, uid: \"1\"}\nsecrets:\n  s:\n    environment: HOME\n", []string{"services.a.build.secrets[1].uid: not supported"}},
		{"global mode", "services:\n  a:\n    image: busybox\n    deploy:\n      mode: global\n", []string{"services.a.deploy.mode: \"global\" is not supported: " + "only replicated services run on one engine"}},
		{"pre_start key set differently", "services:\n  a:\n    image: busybox\n    pre_start:\n      - command: [\"true\"]\n        read_only: true\n", []string{"services.a.pre_start[0].read_only: not supported"}},
		{"pre_start per_replica", "services:\n  a:\n    image: busybox\n    pre_start:\n      - command: [\"true\"]\n        per_replica: true\n", []string{"services.a.pre_start[0].per_replica: not supported"}},
		{"yaml syntax", "services:\n  a:\n    image: [busybox\n", []string{"yaml"}},
		{"unknown x-stackctl key", "services:\n  a:\n    image: busybox\n    x-stackctl:\n      colour: blue\n", []string{"services.a.x-stackctl.colour: unknown key"}},
		{"bad edge mode", "services:\n  a:\n    image: busybox\n    x-stackctl:\n      edge: sometimes\n", []string{"services.a.x-stackctl.edge"}},
		{"environment secret", "services:\n  a:\n    image: busybox\n    secrets: [s]\nsecrets:\n  s:\n    environment: TOKEN\n", []string{"services.a.secrets[0]: source: secret \"s\": environment variable TOKEN is not set"}},
		{"secret owner by name", "services:\n  a:\n    image: busybox\n    secrets: [{source: s, uid: app}]\nsecrets:\n  s:\n    file: ./s\n", []string{"secrets[0]: uid: \"app\": give a numeric ID"}},
		{"config group negative", "services:\n  a:\n    image: busybox\n    configs: [{source: c, gid: \"-1\"}]\nconfigs:\n  c:\n    content: x\n", []string{"configs[0]: gid: \"-1\": give a numeric ID"}},
		{"network_mode of another project's service", "services:\n  a:\n    image: busybox\n    network_mode: service:nope\n", []string{"nope"}},
		{"timed pull_policy", "services:\n  a:\n    image: busybox\n    pull_policy: every_never\n", []string{"services.a.pull_policy"}},
		{"build cache_to local", "services:\n  a:\n    build:\n      context: .\n      cache_to: [\"type=local,dest=/tmp/c\"]\n", []string{"services.a.build.cache_to[0]: \"type=local,dest=/tmp/c\": only type=inline"}},
		{"build cache_from local", "services:\n  a:\n    build:\n      context: .\n      cache_from: [\"type=local,src=/tmp/c\"]\n", []string{"services.a.build.cache_from[0]: \"type=local,src=/tmp/c\": type=local: only images"}},
		{"build additional_contexts in a cycle", "services:\n  a:\n    build:\n      context: .\n      additional_contexts: {base: \"service:b\"}\n  b:\n    build:\n      context: .\n      additional_contexts: {top: \"service:a\"}\n", []string{"services.a.build.additional_contexts: a is built on its own image: a -> b -> a"}},
		{"build entitlements", "services:\n  a:\n    build:\n      context: .\n      entitlements: [network.host, device]\n", []string{"services.a.build.entitlements[1]: \"device\": a build may ask for network.host or security.insecure"}},
		{"build secret undefined", "services:\n  a:\n    build:\n      context: .\n      secrets: [nope]\n", []string{"nope"}},
		// compose-go's refusals that name a value and no key: the key is
		// found where the value is written.
		{"bad container port", "services:\n  a:\n    image: busybox\n    ports: [\"8080:80\", \"80:8a0\"]\n", []string{"services.a.ports[1]: invalid containerPort: 8a0"}},
		{"bad host IP", "services:\n  a:\n    image: busybox\n    ports: [\"127.0.0.:80:80\"]\n", []string{"services.a.ports[0]: invalid IP address: 127.0.0."}},
		{"device of three colons", "services:\n  a:\n    image: busybox\n    devices: [\"/dev/nul:l:/dev/x:rwm\"]\n", []string{"services.a.devices[0]: confusing device mapping"}},
		{"env file not there", "services:\n  a:\n    image: busybox\n    env_file: [absent.env]\n", []string{"services.a.env_file[0]: env file", "absent.env not found"}},
		{"build ssh key", "services:\n  a:\n    build:\n      context: .\n      ssh: [\"default\", \"mykey\"]\n", []string{"services.a.build.ssh[1]: invalid ssh key"}},
		{"env file a directory", "services:\n  a:\n    image: busybox\n    env_file: [\".\"]\n", []string{"services.a.env_file[0]: failed to read"}},
		{"extends file not there", "services:\n  a:\n    extends: {file: absent.yaml, service: b}\n", []string{"services.a.extends.file: open", "absent.yaml"}},
		{"healthcheck test's first word", "services:\n  a:\n    image: busybox\n    healthcheck: {test: [CMD-SHEL, \"true\"]}\n", []string{"services.a.healthcheck.test[0]: healthcheck.test must start"}},
		{"bind without source", "services:\n  a:\n    image: busybox\n    volumes: [{type: bind, target: /t}]\n", []string{"services.a.volumes[0]: invalid mount config"}},
		{"empty volume", "services:\n  a:\n    image: busybox\n    volumes: [\"/x:/y\", \"\"]\n", []string{"services.a.volumes[1]: invalid empty volume spec"}},
		{"volume of too many colons", "services:\n  a:\n    image: busybox\n    volumes: [\"/a:/b:ro:x\"]\n", []string{"services.a.volumes[0]: invalid spec: /a:/b:ro:x: too many colons"}},
		{"self dependency", "services:\n  a:\n    image: busybox\n    depends_on: [a]\n", []string{"services.a.depends_on: dependency cycle detected: a -> a"}},
		// compose-go's loader panics on these: they are refused first.
		{"extends file a number", "services:\n  a:\n    image: busybox\n    extends: {file: 0, service: a}\n", []string{"services.a.extends.file: want the name of a compose file, not \"0\""}},
		{"extends file a list", "services:\n  a:\n    image: busybox\n    extends: {file: [b.yaml], service: a}\n", []string{"services.a.extends.file: want the name of a compose file, not a list"}},
		// What the engine request cannot read is refused at its key.
		{"bad expose", "services:\n  a:\n    image: busybox\n    expose: [\"80\", \"9000-901/udp\"]\n", []string{"services.a.expose[1]: \"9000-901/udp\": invalid port range"}},
		{"mac_address beside its network's", "services:\n  a:\n    image: busybox\n    mac_address: 02:42:ac:11:00:0a\n    networks:\n      n: {mac_address: 02:42:ac:11:00:0b}\nnetworks:\n  n: {}\n",
			[]string{"services.a.mac_address: 02:42:ac:11:00:0a differs from networks.n.mac_address 02:42:ac:11:00:0b"}},
		{"platform without an architecture", "services:\n  a:\n    image: busybox\n    platform: linux386\n", []string{"services.a.platform: \"linux386\": want os/arch[/variant]"}},
		{"jobs", "services:\n  a:\n    image: busybox\njobs:\n  migrate:\n    image: busybox\n    triggers: {manual: true}\n", []string{"jobs: not supported: Docker Compose runs a job only through `docker compose run <job>`"}},
		{"endpoint mode", "services:\n  a:\n    image: busybox\n    deploy:\n      endpoint_mode: mesh\n", []string{"services.a.deploy.endpoint_mode: \"mesh\": want vip or dnsrr"}},
		{"rollback failure action", "services:\n  a:\n    image: busybox\n    deploy:\n      rollback_config:\n        failure_action: rollback\n", []string{"deploy.rollback_config.failure_action: \"rollback\": want pause or continue"}},
		{"external secret", "services:\n  a:\n    image: busybox\n    secrets: [s]\nsecrets:\n  s:\n    external: true\n", []string{"secrets.s.external: not supported: Docker Compose refuses an external secret on one engine"}},
		{"external config", "services:\n  a:\n    image: busybox\n    configs: [c]\nconfigs:\n  c:\n    external: true\n", []string{"configs.c.external: not supported: Docker Compose refuses an external config on one engine"}},
		{"config template driver", "services:\n  a:\n    image: busybox\n    configs: [c]\nconfigs:\n  c:\n    file: ./c\n    template_driver: golang\n", []string{"configs.c.template_driver: not supported: Docker Compose refuses it on one engine"}},
		{"update failure action", "services:\n  a:\n    image: busybox\n    deploy:\n      update_config:\n        failure_action: pause\n", []string{"failure_action"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "compose.yaml")
			write(t, path, tt.file)
			st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}})
			if err == nil {
				err = st.Validate()
			}
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, want := range append(tt.want, path) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q: %v", want, err)
				}
			}
		})
	}
	t.Run("file not found", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.yaml")
		_, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}})
		if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
			t.Errorf("error = %v, want it to name absent.yaml", err)
		}
	})
}

// A service cannot run replicas that would fight over one name, one host
// port or one writer's volume; the refusal says why.
func TestScaleRefusals(t *testing.T) {
	isolate(t)
	file := `services:
  named:
    image: busybox
    container_name: one
  published:
    image: busybox
    ports: ["8080:80"]
  writer:
    image: busybox
    volumes: [data:/data]
  free:
    image: busybox
    ports: ["80"]
volumes:
  data:
    x-stackctl: {single_writer: true}
`
	path := filepath.Join(t.TempDir(), "compose.yaml")
	write(t, path, file)
	for service, want := range map[string]string{
		"named":     `container_name "one" names one container`,
		"published": "cannot all bind host port 8080",
		"writer":    "volume data is single_writer",
		"free":      "",
	} {
		st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}})
		if err != nil {
			t.Fatal(err)
		}
		err = st.ApplyShape(stack.Shape{Scale: map[string]int{service: 3}})
		switch {
		case want == "" && err != nil:
			t.Errorf("scale %s=3: %v, want it allowed", service, err)
		case want != "" && (err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), want)):
			t.Errorf("scale %s=3: error %v, want the file, then %q", service, err, want)
		}
	}
}

// The built-in stack's web goes behind its edge above one replica: the
// edge takes the port, web publishes none.
func TestEdgeTakesThePort(t *testing.T) {
	isolate(t)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	st, err := stack.Load(context.Background(), stack.LoadOptions{WorkingDir: root})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyShape(stack.Shape{Scale: map[string]int{"web": 3}}); err != nil {
		t.Fatal(err)
	}
	web, _ := st.Service("web")
	edge, ok := st.Service("web-edge")
	switch {
	case !ok:
		t.Fatalf("no edge service; services %v", st.ServiceNames())
	case len(web.Ports) != 0 || web.Replicas != 3:
		t.Errorf("web: ports %v, %d replicas; want none and 3", web.Ports, web.Replicas)
	case len(edge.Ports) != 1 || edge.Ports[0].HostPort != 5000 || edge.Ports[0].ContainerPort != 80:
		t.Errorf("edge ports %+v, want 5000 -> 80", edge.Ports)
	case edge.LoadBalancer == nil || edge.LoadBalancer.Target != "web" || edge.LoadBalancer.TargetPort != 5000:
		t.Errorf("edge balances %+v, want web on 5000", edge.LoadBalancer)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// On a swarm too the edge takes the port: its shape is the one a single
// engine gets, and a service without an edge still scales on a fixed port
// (each replica publishes on its own node).
func TestDistributedShapeKeepsTheEdge(t *testing.T) {
	isolate(t)
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	st, err := stack.Load(context.Background(), stack.LoadOptions{WorkingDir: root})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyShape(stack.Shape{Distributed: true, Scale: map[string]int{"web": 3}}); err != nil {
		t.Fatal(err)
	}
	web, _ := st.Service("web")
	edge, ok := st.Service("web-edge")
	switch {
	case !ok:
		t.Fatalf("no edge service on a swarm; services %v", st.ServiceNames())
	case len(web.Ports) != 0:
		t.Errorf("web publishes %v behind its edge, want nothing", web.Ports)
	case edge.LoadBalancer == nil || edge.LoadBalancer.Target != "web" || len(edge.Ports) != 1 || edge.Ports[0].HostPort != 5000:
		t.Errorf("edge %+v ports %+v, want web's balancer on 5000", edge.LoadBalancer, edge.Ports)
	}
	if err := st.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}

	path := filepath.Join(t.TempDir(), "compose.yaml")
	write(t, path, "services:\n  api:\n    image: busybox\n    ports: [\"8080:80\"]\n")
	st, err = stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ApplyShape(stack.Shape{Distributed: true, Scale: map[string]int{"api": 3}}); err != nil {
		t.Errorf("scale api=3 on a swarm, no edge: %v, want it allowed", err)
	}
	if _, ok := st.Service("api-edge"); ok {
		t.Errorf("api declares no edge, and got one")
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Loaded for a swarm, an external secret or config is the existing
// object's name: its name:, else its key.
func TestExternalObjectsForSwarm(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	write(t, path, "services:\n  a:\n    image: busybox\n    secrets: [s, t]\n    configs: [c]\nsecrets:\n  s: {external: true}\n  t: {external: true, name: corp}\nconfigs:\n  c: {external: true, name: cc}\n")
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}, Swarm: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := st.Services[0]
	if len(svc.Secrets) != 2 || svc.Secrets[0].External != "s" || svc.Secrets[1].External != "corp" || svc.Secrets[1].Target != "t" {
		t.Errorf("secrets %+v, want external s and corp (at t)", svc.Secrets)
	}
	if len(svc.Files) != 1 || svc.Files[0].External != "cc" {
		t.Errorf("configs %+v, want external cc", svc.Files)
	}
	if _, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}}); err == nil || !strings.Contains(err.Error(), "secrets.t.external: not supported") {
		t.Errorf("loaded for one engine: %v, want secrets.t.external refused", err)
	}
}
