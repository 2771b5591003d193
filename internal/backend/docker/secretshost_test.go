package docker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

// secretsOnHost is the built-in stack on a local fake engine whose
// volumes of db's, migrate's and web's secrets are directories of the
// test's; seen says whether the containers see those directories.
func secretsOnHost(t *testing.T, seen bool) (*fakeEngine, *orchestrator.Orchestrator, *stack.Stack, map[string]string) {
	t.Helper()
	f := newFakeEngine()
	f.local, f.volumeDirsSeen = true, seen
	st := testStack(t)
	secretFile := filepath.Join(t.TempDir(), "postgres_password")
	if err := os.WriteFile(secretFile, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for i := range st.Services {
		svc := &st.Services[i]
		for j := range svc.Secrets {
			svc.Secrets[j].Source = secretFile
		}
		if len(svc.Secrets) > 0 {
			dirs[unnamedVolumeName(st, svc, 1, stack.SecretsDir)] = t.TempDir()
		}
	}
	if len(dirs) != 3 {
		t.Fatalf("volumes of secrets %v, want db's, migrate's and web's", dirs)
	}
	f.volumeDirs = dirs
	return f, newTestOrchestrator(f), st, dirs
}

// writerEvents are the events of containers made to write secrets.
func writerEvents(f *fakeEngine) []string {
	var out []string
	for _, e := range f.Events() {
		if strings.Contains(e, "run-secrets-writer") {
			out = append(out, e)
		}
	}
	return out
}

func TestSecretsAreWrittenThroughTheHostsFilesOfALocalEngine(t *testing.T) {
	f, o, st, dirs := secretsOnHost(t, true)
	mustUp(t, o, st)
	if w := writerEvents(f); len(w) != 0 {
		t.Errorf("containers made to write secrets: %q, want none", w)
	}
	for volume, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Name() != "postgres_password" {
			t.Errorf("volume %s holds %v, want just postgres_password (the check's own file gone)", volume, entries)
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, "postgres_password"))
		if err != nil || string(got) != "s3cret" {
			t.Errorf("volume %s: postgres_password is %q (%v), want the secret", volume, got, err)
		}
		if fi, _ := entries[0].Info(); fi.Mode().Perm() != 0o644 {
			t.Errorf("volume %s: postgres_password has mode %v, want 0644 as the engine's API writes it", volume, fi.Mode().Perm())
		}
	}
	// Recorded as written: a cold up leaves the volumes as they are.
	for _, dir := range dirs {
		if err := os.WriteFile(filepath.Join(dir, "postgres_password"), []byte("left alone"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Down(t.Context(), st, orchestrator.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	mustUp(t, o, st)
	for volume, dir := range dirs {
		if got, _ := os.ReadFile(filepath.Join(dir, "postgres_password")); string(got) != "left alone" {
			t.Errorf("a cold up wrote the secrets of volume %s again (%q): what the first wrote was not recorded", volume, got)
		}
	}
}

func TestSecretsGoThroughTheAPIWhereTheEngineDoesNotSeeTheHostsFiles(t *testing.T) {
	f, o, st, dirs := secretsOnHost(t, false)
	mustUp(t, o, st)
	if w := writerEvents(f); len(w) == 0 {
		t.Error("no container wrote the secrets, where the engine could not see them on the host")
	}
	for volume, dir := range dirs {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("what was written for volume %s where the engine does not look stayed: %v", volume, entries)
		}
	}
}

// A container that cannot be made leaves nothing of what was written for
// it on the host: no secret and no witness.
func TestSecretsWrittenOnTheHostAreTakenBackWhenTheContainerCannotBeMade(t *testing.T) {
	f, o, st, dirs := secretsOnHost(t, true)
	db, _ := st.Service("db")
	refused := errors.New("no space left on device")
	f.createErr = map[string]error{st.ContainerName(db, 1): refused}
	if _, err := o.Up(testContext(t), st, orchestrator.UpOptions{}); !errors.Is(err, refused) {
		t.Fatalf("up: %v, want db's create refused", err)
	}
	dir := dirs[unnamedVolumeName(st, db, 1, stack.SecretsDir)]
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("db's secrets volume holds %v after its container could not be made, want nothing", entries)
	}
}
