package stack_test

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
	"gopkg.in/yaml.v3"
)

// compose is the part of a Compose file the tests read back.
type compose struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Image         string            `yaml:"image"`
		ContainerName string            `yaml:"container_name"`
		Restart       string            `yaml:"restart"`
		Environment   map[string]string `yaml:"environment"`
		Healthcheck   struct {
			Test     []string `yaml:"test"`
			Interval string   `yaml:"interval"`
			Timeout  string   `yaml:"timeout"`
			Retries  int      `yaml:"retries"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Ports    []string          `yaml:"ports"`
		Volumes  []string          `yaml:"volumes"`
		Networks []string          `yaml:"networks"`
		Labels   map[string]string `yaml:"labels"`
		User     string            `yaml:"user"`
		ReadOnly bool              `yaml:"read_only"`
		CapDrop  []string          `yaml:"cap_drop"`
	} `yaml:"services"`
	Networks map[string]struct {
		Name   string `yaml:"name"`
		Driver string `yaml:"driver"`
	} `yaml:"networks"`
	Volumes map[string]struct {
		Name string `yaml:"name"`
	} `yaml:"volumes"`
}

func composeOf(t *testing.T, st *stack.Stack) (string, compose) {
	t.Helper()
	out, err := st.ComposeYAML()
	if err != nil {
		t.Fatalf("ComposeYAML: %v", err)
	}
	var doc compose
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("ComposeYAML is not YAML: %v\n%s", err, out)
	}
	return string(out), doc
}

func TestComposeYAMLMasksSecrets(t *testing.T) {
	const password = "correct-horse-battery-staple"
	out, doc := composeOf(t, stack.Default(stack.DefaultOptions{PostgresPassword: password}))
	if strings.Contains(out, password) {
		t.Fatalf("the password appears in the output:\n%s", out)
	}
	for _, name := range []string{"db", "migrate", "web"} {
		if got := doc.Services[name].Environment["POSTGRES_PASSWORD"]; got != stack.Masked {
			t.Errorf("%s POSTGRES_PASSWORD = %q, want %q", name, got, stack.Masked)
		}
	}
	// Only secrets are masked.
	if got := doc.Services["db"].Environment["POSTGRES_USER"]; got != "appuser" {
		t.Errorf("db POSTGRES_USER = %q, want appuser", got)
	}
}

func TestComposeYAMLReadsLikeTheSeed(t *testing.T) {
	_, doc := composeOf(t, stack.Default(stack.DefaultOptions{}))
	if doc.Name != "day-34" {
		t.Errorf("name = %q, want day-34", doc.Name)
	}
	if got := slices.Sorted(maps.Keys(doc.Services)); !slices.Equal(got, []string{"cache", "db", "migrate", "web"}) {
		t.Fatalf("services = %v", got)
	}
	db, web := doc.Services["db"], doc.Services["web"]
	checks := []struct {
		field     string
		got, want any
	}{
		{"db image", db.Image, "postgres:15"},
		{"db container_name", db.ContainerName, "postgres-db"},
		{"db healthcheck test", db.Healthcheck.Test, []string{"CMD-SHELL", "pg_isready -U appuser -h 127.0.0.1"}},
		{"db healthcheck timing", []any{db.Healthcheck.Interval, db.Healthcheck.Timeout, db.Healthcheck.Retries}, []any{"5s", "5s", 5}},
		{"db volumes", db.Volumes, []string{"postgres_data:/var/lib/postgresql/data"}},
		{"migrate restart", doc.Services["migrate"].Restart, "on-failure:3"},
		{"cache restart", doc.Services["cache"].Restart, "always"},
		{"web ports", web.Ports, []string{"5000:5000"}},
		{"web networks", web.Networks, []string{"app-network"}},
		{"web labels", web.Labels, map[string]string{"project": "day-34", "environment": "dev"}},
		{"web depends on db", web.DependsOn["db"].Condition, "service_healthy"},
		{"web depends on cache", web.DependsOn["cache"].Condition, "service_started"},
		{"web depends on migrate", web.DependsOn["migrate"].Condition, "service_completed_successfully"},
		{"web hardening", []any{web.User, web.ReadOnly, web.CapDrop}, []any{"65532:65532", true, []string{"ALL"}}},
		{"network", doc.Networks["app-network"].Name + " " + doc.Networks["app-network"].Driver, "app-network bridge"},
		{"volume", doc.Volumes["postgres_data"].Name, "postgres_data"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
}

// Engine names in the file carry the project prefix; Compose keys do not.
func TestComposeYAMLUsesEngineNamesOfTheProject(t *testing.T) {
	_, doc := composeOf(t, stack.Default(stack.DefaultOptions{Project: "shop"}))
	if doc.Name != "shop" {
		t.Errorf("name = %q, want shop", doc.Name)
	}
	if got := doc.Services["db"].ContainerName; got != "shop-postgres-db" {
		t.Errorf("db container_name = %q, want shop-postgres-db", got)
	}
	if got := doc.Networks["app-network"].Name; got != "shop-app-network" {
		t.Errorf("network name = %q, want shop-app-network", got)
	}
	if got := doc.Volumes["postgres_data"].Name; got != "shop-postgres_data" {
		t.Errorf("volume name = %q, want shop-postgres_data", got)
	}
}
