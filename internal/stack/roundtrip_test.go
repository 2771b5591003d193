package stack_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stackctl/stackctl/internal/stack"
	"gopkg.in/yaml.v3"
)

// config's output, loaded again from the same project directory with the
// same profiles, is the same project: the same compose-go project (but for
// env_file, whose variables config writes into environment) and the same
// stack, and rendering it again prints the same bytes.
func TestConfigRoundTrips(t *testing.T) {
	isolate(t)
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	full, root := abs(filepath.Join("testdata", "full")), abs(filepath.Join("..", ".."))
	escapes := t.TempDir()
	write(t, filepath.Join(escapes, "app.env"), "DATABASE_PASSWORD_FILE=/run/secrets/db-password\nPRICE=$$5\n")
	write(t, filepath.Join(escapes, "compose.yaml"), `name: escapes
services:
  shell:
    image: busybox
    command: echo $${HOME} and $$HOME
    env_file: app.env
    environment:
      API_TOKEN: t0ken
      FROM_HOST: ${ROUNDTRIP_VALUE:-plain}
    labels:
      cost: "$$1"
`)
	t.Setenv("ROUNDTRIP_VALUE", "has $ inside")
	tests := []struct {
		name string
		opts stack.LoadOptions
	}{
		{"full", stack.LoadOptions{Files: []string{filepath.Join(full, "compose.yaml")}}},
		{"full with profiles", stack.LoadOptions{Files: []string{filepath.Join(full, "compose.yaml")}, Profiles: []string{"debug", "cache"}}},
		{"builtin", stack.LoadOptions{WorkingDir: root}},
		{"day-34", stack.LoadOptions{Files: []string{filepath.Join(root, "examples", "day-34", "docker-compose.yml")}}},
		{"escapes", stack.LoadOptions{Files: []string{filepath.Join(escapes, "compose.yaml")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, tt.opts)
		})
	}
	t.Run("escapes keep their values", func(t *testing.T) {
		st, err := stack.Load(context.Background(), tests[4].opts)
		if err != nil {
			t.Fatal(err)
		}
		svc := st.Source.Services["shell"]
		env := map[string]string{}
		for k, v := range svc.Environment {
			env[k] = *v
		}
		if got := []string(svc.Command); !reflect.DeepEqual(got, []string{"echo", "${HOME}", "and", "$HOME"}) {
			t.Errorf("command = %q, want echo ${HOME} and $HOME", got)
		}
		if env["FROM_HOST"] != "has $ inside" || env["PRICE"] != "$5" || env["DATABASE_PASSWORD_FILE"] != "/run/secrets/db-password" {
			t.Errorf("environment = %v", env)
		}
	})
}

// roundTrip loads opts, renders it, loads the rendering and compares.
func roundTrip(t *testing.T, opts stack.LoadOptions) {
	t.Helper()
	ctx := context.Background()
	first, err := stack.Load(ctx, opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	out, err := first.Render(stack.FormatYAML)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	rendered := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(rendered, out, 0o644); err != nil {
		t.Fatal(err)
	}
	again := opts
	again.Files = []string{rendered}
	again.WorkingDir = first.Source.WorkingDir
	second, err := stack.Load(ctx, again)
	if err != nil {
		t.Fatalf("load config's output: %v\n%s", err, out)
	}
	want, got := comparable(first.Source), comparable(second.Source)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("config's output loads as another project:\nfirst:\n%s\nagain:\n%s", asYAML(t, want), asYAML(t, got))
	}
	if !reflect.DeepEqual(first.Services, second.Services) || !reflect.DeepEqual(first.Networks, second.Networks) || !reflect.DeepEqual(first.Volumes, second.Volumes) {
		t.Errorf("config's output loads as another stack:\nfirst:\n%s\nagain:\n%s", asYAML(t, first.Services), asYAML(t, second.Services))
	}
	if out2, err := second.Render(stack.FormatYAML); err != nil || string(out2) != string(out) {
		t.Errorf("rendered again (%v):\n%s\nwant:\n%s", err, out2, out)
	}
}

// comparable is what makes the project, without where it was read from
// (the files), env_file (config writes its variables into environment) and
// the optional dependencies on services a profile left out (config leaves
// them out: they mean nothing to the project).
func comparable(p *types.Project) types.Project {
	c := types.Project{Name: p.Name, Networks: p.Networks, Volumes: p.Volumes, Secrets: p.Secrets, Configs: p.Configs, Extensions: p.Extensions, Services: types.Services{}}
	for name, svc := range p.Services {
		svc.EnvFiles = nil
		var deps types.DependsOnConfig
		for dep, d := range svc.DependsOn {
			if _, ok := p.Services[dep]; ok || d.Required {
				if deps == nil {
					deps = types.DependsOnConfig{}
				}
				deps[dep] = d
			}
		}
		svc.DependsOn = deps
		c.Services[name] = svc
	}
	return c
}

func asYAML(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
