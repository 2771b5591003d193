package docker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/orchestrator"
)

// secretsOnHost is the built-in stack on a local fake engine whose
// volumes of db's, migrate's and web's secrets are directories of the
// test's; seen says whether the containers see those directories.
func secretsOnHost(t *testing.T, seen bool) (f *fakeEngine, dirs map[string]string, up, down func()) {
	t.Helper()
	f = newFakeEngine()
	f.local, f.volumeDirsSeen = true, seen
	st := testStack(t)
	secretFile := filepath.Join(t.TempDir(), "postgres_password")
	if err := os.WriteFile(secretFile, []byte("s3cret"), 0o600); err != nil {
		t.Fatal(err)
	}
	dirs = map[string]string{}
	for i := range st.Services {
		svc := &st.Services[i]
		for j := range svc.Secrets {
			svc.Secrets[j].Source = secretFile
		}
		if len(svc.Secrets) > 0 {
			dirs[unnamedVolumeName(st, svc, 1, "/run/secrets")] = t.TempDir()
		}
	}
	if len(dirs) != 3 {
		t.Fatalf("volumes of secrets %v, want db's, migrate's and web's", dirs)
	}
	f.volumeDirs = dirs
	o := newTestOrchestrator(f)
	down = func() {
		if err := o.Down(t.Context(), st, orchestrator.DownOptions{}); err != nil {
			t.Fatalf("down: %v", err)
		}
	}
	return f, dirs, func() { mustUp(t, o, st) }, down
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
	f, dirs, up, down := secretsOnHost(t, true)
	up()
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
	down()
	up()
	for volume, dir := range dirs {
		if got, _ := os.ReadFile(filepath.Join(dir, "postgres_password")); string(got) != "left alone" {
			t.Errorf("a cold up wrote the secrets of volume %s again (%q): what the first wrote was not recorded", volume, got)
		}
	}
}

func TestSecretsGoThroughTheAPIWhereTheEngineDoesNotSeeTheHostsFiles(t *testing.T) {
	f, dirs, up, _ := secretsOnHost(t, false)
	up()
	if w := writerEvents(f); len(w) == 0 {
		t.Error("no container wrote the secrets, where the engine could not see them on the host")
	}
	for volume, dir := range dirs {
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("what was written for volume %s where the engine does not look stayed: %v", volume, entries)
		}
	}
}
