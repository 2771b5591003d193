package stack

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// docs/compose-compatibility.md is what the key table says: it cannot
// drift from the code.
func TestCompatibilityDocIsCurrent(t *testing.T) {
	want, err := CompatibilityDoc()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../docs/compose-compatibility.md")
	if err != nil {
		t.Fatalf("%v: run make docs", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		g, w := line(gotLines, i), line(wantLines, i)
		if g != w {
			t.Fatalf("docs/compose-compatibility.md is not what internal/stack's key table says: run make docs\nline %d is\n\t%s\nwant\n\t%s", i+1, g, w)
		}
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// Every key the table and its notes name is a key of the schema, named as
// the schema names it; a reason is for a key the table refuses, and a note
// for one it honours.
func TestCompatKeysAreSchemaKeys(t *testing.T) {
	paths, err := schemaKeys()
	if err != nil {
		t.Fatal(err)
	}
	inSchema := map[string]bool{}
	for _, p := range paths {
		inSchema[strings.Join(p, ".")] = true
	}
	var tableKeys []string
	var flatten func(k keys, at string)
	flatten = func(k keys, at string) {
		for name, sub := range k {
			tableKeys = append(tableKeys, join(at, name))
			flatten(sub, join(at, name))
		}
	}
	flatten(projectKeys, "")
	named := map[string][]string{"the key table": tableKeys}
	for what, m := range map[string]map[string]string{
		"reasons": reasons, "resolvedByLoader": resolvedByLoader, "engineNotes": engineNotes, "swarmNotes": swarmNotes,
	} {
		named[what] = sortedKeys(m)
	}
	for what, list := range named {
		for _, key := range list {
			if !inSchema[key] {
				t.Errorf("%s names %s, which the Compose schema does not have", what, key)
			}
		}
	}
	for _, key := range sortedKeys(reasons) {
		if engine, _ := judge(strings.Split(key, "."), 0); !strings.HasPrefix(engine, "no") {
			t.Errorf("reasons explain %s, which the table does not refuse (%s)", key, engine)
		}
	}
	for what, m := range map[string]map[string]string{"engineNotes": engineNotes, "swarmNotes": swarmNotes} {
		for _, key := range sortedKeys(m) {
			if engine, _ := judge(strings.Split(key, "."), 0); strings.HasPrefix(engine, "no") {
				t.Errorf("%s qualify %s, which the table refuses", what, key)
			}
		}
	}
}
