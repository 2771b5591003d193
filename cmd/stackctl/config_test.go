package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// config prints the stack without an engine, the password masked.
func TestConfigMasksThePasswordFromTheEnvironment(t *testing.T) {
	const password = "env-pa55-word"
	t.Setenv("POSTGRES_PASSWORD", password)
	t.Setenv("POSTGRES_PASSWORD_FILE", "")

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
			ContainerName string            `yaml:"container_name"`
			Environment   map[string]string `yaml:"environment"`
			Ports         []string          `yaml:"ports"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("config output is not YAML: %v\n%s", err, out)
	}
	if doc.Name != "shop" || doc.Services["db"].ContainerName != "shop-postgres-db" {
		t.Errorf("project %q, db container %q; want shop, shop-postgres-db", doc.Name, doc.Services["db"].ContainerName)
	}
	if got := doc.Services["db"].Environment["POSTGRES_PASSWORD"]; got != "********" {
		t.Errorf("db POSTGRES_PASSWORD = %q, want it masked", got)
	}
	if got := doc.Services["web"].Ports; len(got) != 1 || got[0] != "5000:5000" {
		t.Errorf("web ports = %v, want [5000:5000]", got)
	}
}

// The password reaches the stack from POSTGRES_PASSWORD or from the file
// POSTGRES_PASSWORD_FILE names (its trailing newline dropped), never both.
func TestPasswordSources(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte("file-pa55\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, value, file string
		want, wantErr     string
	}{
		{name: "neither: the seed's", want: "secret"},
		{name: "variable", value: "env-pa55", want: "env-pa55"},
		{name: "file", file: file, want: "file-pa55"},
		{name: "both", value: "env-pa55", file: file, wantErr: "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set"},
		{name: "missing file", file: filepath.Join(t.TempDir(), "absent"), wantErr: "read POSTGRES_PASSWORD_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("POSTGRES_PASSWORD", tt.value)
			t.Setenv("POSTGRES_PASSWORD_FILE", tt.file)
			io, _, _ := testIO()
			st, err := (&globalOptions{io: io, project: "day-34", appDir: "app"}).stack()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, svc := range st.Services {
				if got, ok := svc.Env("POSTGRES_PASSWORD"); ok && got != tt.want {
					t.Errorf("%s POSTGRES_PASSWORD = %q, want %q", svc.Name, got, tt.want)
				}
			}
		})
	}
}

// With both set, config fails rather than guess which one is meant.
func TestConfigRefusesTwoPasswordSources(t *testing.T) {
	t.Setenv("POSTGRES_PASSWORD", "a")
	t.Setenv("POSTGRES_PASSWORD_FILE", "/run/secrets/pw")
	out, err := execute(t, "config")
	if err == nil || !strings.Contains(err.Error(), "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set") {
		t.Errorf("error = %v, want it to name both variables", err)
	}
	if out != "" {
		t.Errorf("config printed a stack anyway:\n%s", out)
	}
}
