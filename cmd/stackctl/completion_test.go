package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// complete runs cobra's hidden __complete as a shell's completion script
// does, and returns the candidates and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	out, err := execute(t, append([]string{"__complete"}, args...)...)
	if err != nil {
		t.Fatalf("__complete %v: %v", args, err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestCompletionOffersTheProjectsServicesAndProfiles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "compose.yaml")
	body := "name: clicomplete\nservices:\n  web: {image: nginx:1.22}\n  db: {image: postgres:15}\n  debug: {image: redis:7, profiles: [tools]}\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"-f", file, "up", ""}, []string{"db", "web"}},
		{[]string{"-f", file, "logs", "web", ""}, []string{"db"}},
		{[]string{"-f", file, "--profile", "tools", "stop", ""}, []string{"db", "debug", "web"}},
		{[]string{"-f", file, "exec", ""}, []string{"db", "web"}},
		{[]string{"-f", file, "port", "web", ""}, nil},
		{[]string{"-f", file, "cp", ""}, []string{"db:", "web:"}},
		{[]string{"-f", file, "scale", ""}, []string{"db=", "web="}},
		{[]string{"-f", file, "up", "--profile", ""}, []string{"tools"}},
		{[]string{"-f", file, "u"}, []string{"unpause", "up"}},
	} {
		got, directive := complete(t, tt.args...)
		var names []string
		for _, c := range got {
			name, _, _ := strings.Cut(c, "\t")
			names = append(names, name)
		}
		slices.Sort(names)
		if !slices.Equal(names, tt.want) {
			t.Errorf("complete %v = %v (%s), want %v", tt.args, names, directive, tt.want)
		}
	}
	// A file that does not load completes nothing, and says no error.
	if got, _ := complete(t, "-f", filepath.Join(t.TempDir(), "missing.yaml"), "up", ""); len(got) != 0 {
		t.Errorf("completion from a missing file: %v, want nothing", got)
	}
}
