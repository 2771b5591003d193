package docker

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
)

// A cold up (down kept the volumes) does not write db's secrets again when
// the file did not change; after the file changed, it does, and the record
// of what the volume held before goes.
func TestSecretsAreWrittenAgainOnlyWhenTheirFileChanged(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f)
	st := testStack(t)
	secretFile := filepath.Join(t.TempDir(), "postgres_password")
	if err := os.WriteFile(secretFile, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range st.Services {
		for j := range st.Services[i].Secrets {
			st.Services[i].Secrets[j].Source = secretFile
		}
	}
	db, _ := st.Service("db")
	dbVolumes := st.Project + "_" + db.Name + "-1_" // db replica 1's volumes, its secrets among them
	writes := func() int {
		n := 0
		for _, e := range f.Events() {
			if strings.HasPrefix(e, "copy ") && strings.Contains(e, dbVolumes) {
				n++
			}
		}
		return n
	}
	markers := func() []string {
		var out []string
		for name, labels := range f.volumeLabels() {
			if labels[labelSecretsOf] != "" && strings.Contains(name, "_db-1_") {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	coldUp := func() {
		t.Helper()
		if err := o.Down(t.Context(), st, backend.DownOptions{}); err != nil {
			t.Fatalf("down: %v", err)
		}
		mustUp(t, o, st)
	}

	mustUp(t, o, st)
	if writes() != 1 || len(markers()) != 1 {
		t.Fatalf("first up: %d writes of db's secrets, markers %v; want 1 and 1", writes(), markers())
	}
	first := markers()[0]
	coldUp()
	if writes() != 1 {
		t.Errorf("a cold up with the secret file unchanged wrote db's secrets again (%d writes)", writes())
	}
	// A new value, and a new modification time however coarse the clock.
	if err := os.WriteFile(secretFile, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(secretFile, time.Now(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	coldUp()
	if writes() != 2 {
		t.Errorf("a cold up after the secret file changed wrote db's secrets %d times in all; want 2", writes())
	}
	if m := markers(); len(m) != 1 || m[0] == first {
		t.Errorf("markers of db's secrets after the change: %v; want one, not %s", m, first)
	}
}
