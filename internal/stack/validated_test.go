package stack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file whose exact bytes and environment passed the schema before is
// not checked again; any other is.
func TestSchemaVerdictIsRememberedForTheSameInputsOnly(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	content := []byte("services:\n  a:\n    image: busybox\n    tyop: 1\n")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	load := func() error {
		_, err := Load(context.Background(), LoadOptions{Files: []string{file}, ProjectName: "p", Environment: map[string]string{"X": "1"}})
		return err
	}
	if err := load(); err == nil || !strings.Contains(err.Error(), "validating "+file) {
		t.Fatalf("first load = %v, want the schema's verdict", err)
	}
	check, known := rememberedValidation([][]byte{content}, loadEnvironment())
	if known {
		t.Fatal("a verdict that failed was remembered")
	}
	// Remembered by force, for the test: the schema is then skipped (and
	// the key it would refuse, dropped by the decoder, goes unnoticed:
	// which is why only a verdict that passed is ever remembered).
	check.remember()
	if err := load(); err != nil {
		t.Fatalf("load with a remembered verdict = %v, want the schema skipped", err)
	}
	t.Setenv("ANOTHER_VARIABLE", "2")
	if err := load(); err == nil || !strings.Contains(err.Error(), "validating "+file) {
		t.Fatalf("load in another environment = %v, want the schema checked again", err)
	}
}

// loadEnvironment is the environment load() interpolates with.
func loadEnvironment() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	env["X"] = "1"
	return env
}
