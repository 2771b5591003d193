package stack

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestProfilesAreEveryProfileTheFileNamesEnabledOrNot(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	body := "services:\n  a: {image: redis:7}\n  b: {image: redis:7, profiles: [extra, debug]}\n  c: {image: redis:7, profiles: [debug]}\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Load(context.Background(), LoadOptions{Files: []string{file}, ProjectName: "cliprofiles", Profiles: []string{"extra"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Profiles(); !slices.Equal(got, []string{"debug", "extra"}) {
		t.Errorf("profiles = %v, want debug and extra, once each, sorted", got)
	}
}
