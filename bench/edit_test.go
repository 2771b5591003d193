package bench

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The edit suite changes one line of the real app: that line must be
// there, once, and the change must touch nothing else.
func TestEditedSourceChangesOneLine(t *testing.T) {
	source, err := os.ReadFile(filepath.Join("..", "app", editFile))
	if err != nil {
		t.Fatal(err)
	}
	edited, err := editedSource(source, "m-1")
	if err != nil {
		t.Fatal(err)
	}
	before, after := strings.Split(string(source), "\n"), strings.Split(string(edited), "\n")
	if len(before) != len(after) {
		t.Fatalf("the edit changed the number of lines: %d -> %d", len(before), len(after))
	}
	var changed []string
	for i := range before {
		if before[i] != after[i] {
			changed = append(changed, after[i])
		}
	}
	if len(changed) != 1 || !strings.Contains(changed[0], "edit=m-1") {
		t.Errorf("changed lines = %q, want one holding edit=m-1", changed)
	}
	if _, err := editedSource([]byte("package server\n"), "m-2"); err == nil {
		t.Error("editedSource of a file without the greeting succeeded")
	}
}

// The classic builder refuses RUN --mount: the edit suite's Dockerfile for
// it has none, and builds the same image as app/Dockerfile (same final
// stage).
func TestClassicDockerfileBuildsWithoutBuildKit(t *testing.T) {
	for _, line := range strings.Split(string(classicDockerfile), "\n") {
		if !strings.HasPrefix(line, "#") && strings.Contains(line, "--mount") {
			t.Errorf("edit/Dockerfile.classic uses --mount, which the classic builder refuses: %s", line)
		}
	}
	app, err := os.ReadFile(filepath.Join("..", "app", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	final := func(dockerfile []byte) []string {
		var lines []string
		for _, l := range strings.Split(string(dockerfile[bytes.Index(dockerfile, []byte("FROM scratch")):]), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		return lines
	}
	if a, c := final(app), final(classicDockerfile); strings.Join(a, "\n") != strings.Join(c, "\n") {
		t.Errorf("final stages differ:\napp/Dockerfile:\n%s\nedit/Dockerfile.classic:\n%s", strings.Join(a, "\n"), strings.Join(c, "\n"))
	}
}

func TestEditChecksAndTable(t *testing.T) {
	for _, tc := range []struct {
		buildkit, classic float64
		pass              bool
	}{{4, 20, true}, {9, 20, false}} {
		r := &Report{}
		r.Samples = []Sample{
			{Tool: "stackctl", Metric: metricEditServing, Value: tc.buildkit, Unit: unitSeconds},
			{Tool: toolStackctlClassic, Metric: metricEditServing, Value: tc.classic, Unit: unitSeconds},
			{Tool: "compose", Metric: metricEditServing, Value: 12, Unit: unitSeconds},
		}
		r.compute()
		checks := r.editChecks()
		if len(checks) != 1 || !checks[0].Measured || checks[0].Pass != tc.pass {
			t.Errorf("BuildKit %gs, classic %gs: checks = %+v, want pass=%v", tc.buildkit, tc.classic, checks, tc.pass)
		}
		var table bytes.Buffer
		r.printEdit(&table)
		ratio := "0.20x"
		if !tc.pass {
			ratio = "0.45x"
		}
		for _, want := range []string{"stackctl (classic builder)", "12.000 / 12.000 / 12.000 s", ratio} {
			if !strings.Contains(table.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, table.String())
			}
		}
	}
}
