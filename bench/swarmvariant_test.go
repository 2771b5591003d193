package bench

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// composeTree is the variant read back as plain data.
func composeTree(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := yaml.Unmarshal(data, &out); err != nil {
		t.Fatalf("the variant is no YAML: %v\n%s", err, data)
	}
	return out
}

func dig(t *testing.T, tree map[string]any, path ...string) any {
	t.Helper()
	var cur any = tree
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a mapping at %q", strings.Join(path, "."), k)
		}
		cur = m[k]
	}
	return cur
}

func TestStackDeployVariantOfTheBuiltinFile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "internal", "stack", "builtin", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	app := "127.0.0.1:5001/bench-sw-s-app@sha256:aaaa"
	out, changes, err := stackDeployVariant(src, variantOptions{
		Images: map[string]string{
			"db": "127.0.0.1:5001/postgres@sha256:dddd", "cache": "127.0.0.1:5001/redis@sha256:cccc",
			"migrate": app, "web": app,
		},
		Replicas: map[string]int{"web": 3},
		Env:      map[string]map[string]string{"web": {"STACKBENCH_SWARM_UPDATE": "1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tree := composeTree(t, out)
	if _, ok := tree["name"]; ok {
		t.Error("the variant keeps name:, which stack deploy rejects")
	}
	if got := dig(t, tree, "services", "web", "image"); got != app {
		t.Errorf("web's image = %v, want %s", got, app)
	}
	if got := dig(t, tree, "services", "web", "depends_on"); !slices.Equal(toStrings(got), []string{"db", "cache", "migrate"}) {
		t.Errorf("web's depends_on = %v, want the short list db, cache, migrate", got)
	}
	ports, _ := dig(t, tree, "services", "web", "ports").([]any)
	want := map[string]any{"target": 5000, "published": "${WEB_PORT:-5000}", "protocol": "tcp", "mode": "host"}
	if len(ports) != 1 || !mapsEqual(ports[0].(map[string]any), want) {
		t.Errorf("web's ports = %v, want [%v]", ports, want)
	}
	if got := dig(t, tree, "services", "web", "deploy", "replicas"); got != 3 {
		t.Errorf("web's replicas = %v, want 3", got)
	}
	for _, svc := range []string{"db", "cache", "migrate", "web"} {
		if got := dig(t, tree, "services", svc, "deploy", "endpoint_mode"); got != "dnsrr" {
			t.Errorf("%s's endpoint mode = %v, want dnsrr", svc, got)
		}
		if _, ok := dig(t, tree, "services", svc).(map[string]any)["restart"]; ok {
			t.Errorf("%s keeps restart:, which stack deploy ignores", svc)
		}
	}
	if got := dig(t, tree, "services", "migrate", "deploy", "restart_policy"); !mapsEqual(got.(map[string]any), map[string]any{"condition": "on-failure", "max_attempts": 3}) {
		t.Errorf("migrate's restart policy = %v, want on-failure, 3 attempts", got)
	}
	if got := dig(t, tree, "services", "db", "deploy", "restart_policy", "condition"); got != "any" {
		t.Errorf("db's restart condition = %v, want any", got)
	}
	env := dig(t, tree, "services", "web", "environment").(map[string]any)
	if env["STACKBENCH_SWARM_UPDATE"] != "1" || env["POSTGRES_HOST"] != "db" || env["PORT"] != "5000" {
		t.Errorf("web's environment = %v, want the anchor's variables, PORT and the update's", env)
	}
	if env := dig(t, tree, "services", "migrate", "environment").(map[string]any); env["STACKBENCH_SWARM_UPDATE"] != nil {
		t.Errorf("migrate's environment got the update's variable: %v", env)
	}
	if got := dig(t, tree, "networks", "app-network", "driver"); got != "overlay" {
		t.Errorf("app-network's driver = %v, want overlay", got)
	}
	// What stack deploy ignores with a warning stays: the file is the same
	// file but for what it needs.
	for _, keep := range []string{"build", "security_opt", "x-stackctl"} {
		if dig(t, tree, "services", "web", keep) == nil {
			t.Errorf("web lost %s", keep)
		}
	}
	if !strings.Contains(string(out), "# Ready to serve") {
		t.Error("the variant lost the file's comments")
	}
	if !strings.Contains(string(out), "<<: *app-env") || strings.Contains(string(out), "!!merge") {
		t.Errorf("web's environment does not merge the anchor as the file does:\n%s", out)
	}
	if len(changes) < 6 {
		t.Errorf("changes = %q, want each kind of change named", changes)
	}
}

func TestStackDeployVariantOfTheSeedFile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "examples", "day-34", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := stackDeployVariant(src, variantOptions{Images: map[string]string{"web": "r/web@sha256:1"}})
	if err != nil {
		t.Fatal(err)
	}
	tree := composeTree(t, out)
	if got := dig(t, tree, "services", "web", "image"); got != "r/web@sha256:1" {
		t.Errorf("web's image = %v, want the one given (the file has only build:)", got)
	}
	ports, _ := dig(t, tree, "services", "web", "ports").([]any)
	if len(ports) != 1 || !mapsEqual(ports[0].(map[string]any), map[string]any{"target": 5000, "published": 5000, "protocol": "tcp", "mode": "host"}) {
		t.Errorf("web's ports = %v", ports)
	}
	if got := dig(t, tree, "services", "web", "container_name"); got != "flask-app" {
		t.Errorf("container_name = %v; stack deploy ignores it, the variant keeps it", got)
	}
	if got := dig(t, tree, "version"); got != "3.9" {
		t.Errorf("version = %v (%T), want the file's 3.9", got, got)
	}
}

func TestLongPort(t *testing.T) {
	for _, c := range []struct {
		short string
		want  map[string]any
	}{
		{"5000", map[string]any{"target": 5000, "protocol": "tcp", "mode": "host"}},
		{"8080:80/udp", map[string]any{"target": 80, "published": 8080, "protocol": "udp", "mode": "host"}},
		{"${P:-8080}:80", map[string]any{"target": 80, "published": "${P:-8080}", "protocol": "tcp", "mode": "host"}},
	} {
		n, err := longPort(c.short)
		if err != nil {
			t.Errorf("longPort(%q): %v", c.short, err)
			continue
		}
		var got map[string]any
		if err := n.Decode(&got); err != nil || !mapsEqual(got, c.want) {
			t.Errorf("longPort(%q) = %v, %v; want %v", c.short, got, err, c.want)
		}
	}
	for _, bad := range []string{"127.0.0.1:80:80", "8000-8010:80", "80:http"} {
		if _, err := longPort(bad); err == nil {
			t.Errorf("longPort(%q) accepted it", bad)
		}
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
