package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// config prints the built-in stack without an engine: the password is a
// secret file, so neither its value nor a variable holding it is printed.
func TestConfigOfTheBuiltinStackKeepsThePasswordOut(t *testing.T) {
	const password = "file-pa55-word"
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("POSTGRES_PASSWORD_FILE", file)
	t.Chdir(dir) // no compose file here or above: the built-in stack

	out, err := execute(t, "config", "-p", "shop")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if strings.Contains(out, password) {
		t.Fatalf("config printed the password:\n%s", out)
	}
	var doc struct {
		Name     string `yaml:"name"`
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Environment map[string]string `yaml:"environment"`
			Ports       []struct {
				Target    int    `yaml:"target"`
				Published string `yaml:"published"`
			} `yaml:"ports"`
		} `yaml:"services"`
		Networks map[string]struct {
			Name string `yaml:"name"`
		} `yaml:"networks"`
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("config output is not YAML: %v\n%s", err, out)
	}
	if doc.Name != "shop" || doc.Networks["app-network"].Name != "shop_app-network" || doc.Services["web"].Image != "shop-app:latest" {
		t.Errorf("project %q, network %q, web image %q; want shop, shop_app-network, shop-app:latest",
			doc.Name, doc.Networks["app-network"].Name, doc.Services["web"].Image)
	}
	for _, svc := range []string{"db", "migrate", "web"} {
		env := doc.Services[svc].Environment
		if _, ok := env["POSTGRES_PASSWORD"]; ok || env["POSTGRES_PASSWORD_FILE"] != "/run/secrets/postgres_password" {
			t.Errorf("%s environment %v, want only POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password", svc, env)
		}
	}
	if ports := doc.Services["web"].Ports; len(ports) != 1 || ports[0].Published != "5000" || ports[0].Target != 5000 {
		t.Errorf("web ports = %+v, want 5000 -> 5000", ports)
	}
}

// A compose file found in the directory wins over the built-in stack, and
// config --services and --format json read it. The environment is printed
// as Docker Compose prints it, a "$" as "$$".
func TestConfigReadsTheComposeFileFoundHere(t *testing.T) {
	dir := t.TempDir()
	file := "services:\n  api:\n    image: busybox\n    environment:\n      API_TOKEN: t0ken\n      GREETING: pay $$5\n  worker:\n    image: busybox\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	out, err := execute(t, "config", "--services")
	if err != nil {
		t.Fatalf("config --services: %v", err)
	}
	if out != "api\nworker\n" {
		t.Errorf("config --services = %q, want api and worker", out)
	}
	out, err = execute(t, "config", "--format", "json")
	if err != nil {
		t.Fatalf("config --format json: %v", err)
	}
	var doc struct {
		Name     string `json:"name"`
		Services map[string]struct {
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("config --format json is not JSON: %v\n%s", err, out)
	}
	if doc.Name != filepath.Base(dir) {
		t.Errorf("project name = %q, want the directory's, %q", doc.Name, filepath.Base(dir))
	}
	if env := doc.Services["api"].Environment; env["API_TOKEN"] != "t0ken" || env["GREETING"] != "pay $$5" {
		t.Errorf("api environment = %v, want API_TOKEN=t0ken and GREETING=pay $$5", env)
	}
}

// A key stackctl would ignore is refused with its path, naming the file.
func TestConfigRefusesAnUnsupportedKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(path, []byte("services:\n  api:\n    image: busybox\n    credential_spec: {file: spec.json}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := execute(t, "-f", path, "config")
	if err == nil || !strings.Contains(err.Error(), "services.api.credential_spec: not supported") || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want it to name %s and services.api.credential_spec", err, path)
	}
	if out != "" {
		t.Errorf("config printed a project anyway:\n%s", out)
	}
}

// Compose's listing flags of config, on a file of the test's.
func TestConfigListingFlags(t *testing.T) {
	dir := t.TempDir()
	file := "services:\n  api:\n    image: busybox:1\n    networks: [front]\n    volumes: [\"data:/data\"]\n  worker:\n    image: busybox:2\n" +
		"networks:\n  front: {}\nvolumes:\n  data: {}\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for args, want := range map[string]string{
		"config --volumes":  "data\n",
		"config --networks": "default\nfront\n", // worker is on the default network
		"config --images":   "busybox:1\nbusybox:2\n",
		"config -q":         "",
	} {
		out, err := execute(t, strings.Fields(args)...)
		if err != nil || out != want {
			t.Errorf("%s = %q, %v; want %q", args, out, err, want)
		}
	}
	out, err := execute(t, "config", "--hash", "*")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "api ") || len(strings.Fields(lines[0])[1]) != 64 {
		t.Errorf("config --hash '*' = %q, %v; want a 64-hex hash per service", out, err)
	}
	if one, _ := execute(t, "config", "--hash", "api"); one != lines[0]+"\n" {
		t.Errorf("config --hash api = %q, want %q", one, lines[0]+"\n")
	}
	if _, err := execute(t, "config", "--hash", "nope"); err == nil || !strings.Contains(err.Error(), `no service "nope"`) {
		t.Errorf("config --hash nope: %v, want the service named", err)
	}
}
