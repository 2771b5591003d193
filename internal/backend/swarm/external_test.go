package swarm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// objectsEngine is a swarm manager holding secrets and configs. Engine is
// nil: a call to any other method panics, which fails the test.
type objectsEngine struct {
	Engine
	secrets, configs []engine.SwarmObject
	created          []string
}

func (e *objectsEngine) SwarmInspect(context.Context) (engine.SwarmState, error) {
	return engine.SwarmState{NodeID: "n1", State: "active", Manager: true}, nil
}

func (e *objectsEngine) SecretList(_ context.Context, labels map[string]string) ([]engine.SwarmObject, error) {
	return withLabels(e.secrets, labels), nil
}

func (e *objectsEngine) ConfigList(_ context.Context, labels map[string]string) ([]engine.SwarmObject, error) {
	return withLabels(e.configs, labels), nil
}

func (e *objectsEngine) SecretCreate(_ context.Context, spec swarmapi.SecretSpec) (string, error) {
	e.created = append(e.created, "secret "+spec.Name)
	return "new-" + spec.Name, nil
}

func (e *objectsEngine) ConfigCreate(_ context.Context, spec swarmapi.ConfigSpec) (string, error) {
	e.created = append(e.created, "config "+spec.Name)
	return "new-" + spec.Name, nil
}

// withLabels is the objects that carry every label, as the engine filters.
func withLabels(objects []engine.SwarmObject, labels map[string]string) []engine.SwarmObject {
	var out []engine.SwarmObject
next:
	for _, o := range objects {
		for k, v := range labels {
			if o.Labels[k] != v {
				continue next
			}
		}
		out = append(out, o)
	}
	return out
}

// loadForSwarm loads a compose file given as text, under project p, as
// --swarm loads it.
func loadForSwarm(t *testing.T, file string) *stack.Stack {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(path, []byte("name: p\n"+file), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s.txt"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(context.Background(), stack.LoadOptions{Files: []string{path}, Swarm: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const externalFile = `
services:
  a: {image: busybox, secrets: [s, x], configs: [c]}
secrets:
  s: {file: ./s.txt}
  x: {external: true, name: corp}
configs:
  c: {external: true}
`

// External secrets and configs are found by name, their key without one,
// and never made: only the stack's own secret is.
func TestExternalObjectsFoundNotMade(t *testing.T) {
	st := loadForSwarm(t, externalFile)
	eng := &objectsEngine{
		secrets: []engine.SwarmObject{{ID: "sec-other", Name: "other"}, {ID: "sec-corp", Name: "corp"}},
		configs: []engine.SwarmObject{{ID: "cfg-c", Name: "c"}},
	}
	b := New(eng, progress.Discard{})
	found, err := b.findExternalObjects(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if found["secret"]["x"] != "sec-corp" || found["config"]["c"] != "cfg-c" || len(found["secret"]) != 1 || len(found["config"]) != 1 {
		t.Errorf("found %v, want secret x as sec-corp and config c as cfg-c", found)
	}
	secrets, configs, _, err := b.ensureObjects(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(eng.created, ",") != "secret p_s" || secrets["s"] != "new-p_s" || len(secrets) != 1 || len(configs) != 0 {
		t.Errorf("created %v, IDs %v and %v: want only secret p_s made", eng.created, secrets, configs)
	}
}

// A missing external secret or config fails Prepare before anything is
// made, naming each and how to make it.
func TestExternalObjectMissing(t *testing.T) {
	st := loadForSwarm(t, externalFile)
	eng := &objectsEngine{}
	_, _, err := New(eng, progress.Discard{}).Prepare(context.Background(), st, false)
	for _, want := range []string{
		"secrets.x: external secret corp does not exist on the swarm: create it (docker secret create corp -)",
		"configs.c: external config c does not exist on the swarm: create it (docker config create c -)",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Prepare: %v, want %q", err, want)
		}
	}
	if len(eng.created) > 0 {
		t.Errorf("made %v before failing", eng.created)
	}
}

// The service references an external secret and config by the existing
// object's name and ID.
func TestExternalObjectReferences(t *testing.T) {
	st := loadForSwarm(t, externalFile)
	d := Deploy{SecretIDs: map[string]string{"s": "id-s", "x": "sec-corp"}, ConfigIDs: map[string]string{"c": "cfg-c"}}
	spec, err := ServiceSpec(st, &st.Services[0], "hash", d)
	if err != nil {
		t.Fatal(err)
	}
	refs := spec.TaskTemplate.ContainerSpec.Secrets
	if len(refs) != 2 || refs[0].SecretName != "p_s" || refs[1].SecretName != "corp" || refs[1].SecretID != "sec-corp" || refs[1].File.Name != "x" {
		t.Errorf("secret references %+v, want p_s, then corp (sec-corp) at x", refs)
	}
	cfgs := spec.TaskTemplate.ContainerSpec.Configs
	if len(cfgs) != 1 || cfgs[0].ConfigName != "c" || cfgs[0].ConfigID != "cfg-c" {
		t.Errorf("config references %+v, want c (cfg-c)", cfgs)
	}
}
