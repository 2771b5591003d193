package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/enginetest"
	"gopkg.in/yaml.v3"
)

// config prints what `docker compose config` prints for the same files,
// project directory, profiles and environment: compared as YAML documents,
// with one difference of stackctl's own taken out of Compose's (an
// optional dependency on a service a profile left out, which Compose
// prints and then cannot load back). Needs Compose as a Docker CLI plugin:
// with STACKCTL_INTEGRATION=1 it fails, never skips, without it.
func TestConfigMatchesDockerCompose(t *testing.T) {
	enginetest.Require(t)
	if out, err := exec.Command("docker", "compose", "version").CombinedOutput(); err != nil {
		t.Fatalf("docker compose (`make compose` installs it): %v\n%s", err, out)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	escapes := t.TempDir()
	writeFile(t, filepath.Join(escapes, "app.env"), "DATABASE_PASSWORD_FILE=/run/secrets/db-password\nPRICE=$$5\n")
	writeFile(t, filepath.Join(escapes, "compose.yaml"), `services:
  shell:
    image: busybox
    command: echo $${HOME} and $$HOME
    env_file: app.env
    environment:
      API_TOKEN: t0ken
      FROM_HOST: ${CONF_VALUE:-plain}
    labels:
      cost: "$$1"
`)
	t.Setenv("CONF_VALUE", "has $ inside")
	for _, k := range []string{"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "DB_PASSWORD", "WEB_PORT", "APP_DIR", "POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	full := filepath.Join(root, "internal", "stack", "testdata", "full", "compose.yaml")
	for name, args := range map[string][]string{
		"full":          {"-f", full},
		"full-profiles": {"-f", full, "--profile", "debug", "--profile", "cache"},
		"builtin":       {"-f", filepath.Join(root, "internal", "stack", "builtin", "compose.yaml"), "--project-directory", root},
		"day-34":        {"-f", filepath.Join(root, "examples", "day-34", "docker-compose.yml")},
		"escapes":       {"-f", filepath.Join(escapes, "compose.yaml"), "-p", "confescapes"},
	} {
		t.Run(name, func(t *testing.T) {
			ours, err := execute(t, append(args, "config")...)
			if err != nil {
				t.Fatalf("stackctl config: %v", err)
			}
			cmd := exec.Command("docker", append(append([]string{"compose"}, args...), "config")...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			theirs, err := cmd.Output()
			if err != nil {
				t.Fatalf("docker compose config: %v\n%s", err, stderr.String())
			}
			got, want := document(t, []byte(ours)), document(t, theirs)
			dropOptionalAbsent(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("stackctl config:\n%s\ndocker compose config:\n%s", ours, theirs)
			}
			if name == "escapes" && (!strings.Contains(ours, "- $${HOME}\n") || !strings.Contains(ours, "PRICE: $$5\n")) {
				t.Errorf("command not escaped as Compose escapes it:\n%s", ours)
			}
		})
	}
}

func document(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, b)
	}
	return doc
}

// dropOptionalAbsent removes from a config document the dependencies with
// required: false on services the document does not have.
func dropOptionalAbsent(doc map[string]any) {
	services, _ := doc["services"].(map[string]any)
	for _, svc := range services {
		s, _ := svc.(map[string]any)
		deps, _ := s["depends_on"].(map[string]any)
		for name, d := range deps {
			dep, _ := d.(map[string]any)
			if _, ok := services[name]; !ok && dep["required"] == false {
				delete(deps, name)
			}
		}
		if deps != nil && len(deps) == 0 {
			delete(s, "depends_on")
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
