package stack

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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

// Verdicts are bounded: once there are too many, those used least recently
// are forgotten, and one looked up counts as used.
func TestRememberedVerdictsAreBoundedLeastRecentlyUsedFirst(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	content := [][]byte{[]byte("services:\n  a:\n    image: busybox\n")}
	inEnv := func(i int) map[string]string { return map[string]string{"RUN": strconv.Itoa(i)} }
	long := time.Now().Add(-time.Hour)
	for i := range keptVerdicts {
		check, known := rememberedValidation(content, inEnv(i))
		if known {
			t.Fatalf("environment %d: remembered before it passed", i)
		}
		check.remember()
		// Older the lower i, a second apart, whatever the clock's grain.
		used := long.Add(time.Duration(i) * time.Second)
		if err := os.Chtimes(check.marker, used, used); err != nil {
			t.Fatal(err)
		}
	}
	if _, known := rememberedValidation(content, inEnv(0)); !known {
		t.Fatal("the oldest verdict was forgotten before the bound was passed")
	}
	check, _ := rememberedValidation(content, inEnv(keptVerdicts))
	check.remember()

	entries, err := os.ReadDir(filepath.Dir(check.marker))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != keptVerdicts {
		t.Errorf("%d verdicts kept, want %d", len(entries), keptVerdicts)
	}
	for i, want := range map[int]bool{0: true, 1: false, 2: true, keptVerdicts: true} {
		if _, known := rememberedValidation(content, inEnv(i)); known != want {
			t.Errorf("environment %d remembered = %v, want %v", i, known, want)
		}
	}
}
