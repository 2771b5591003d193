package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
)

// Compose's commands that act on a stack's containers by hand, their
// flags parsed with an injected runF, so no engine is needed.

func TestPauseUnpauseFlags(t *testing.T) {
	for _, unpause := range []bool{false, true} {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		var got *pauseOptions
		cmd := newPauseCmd(g, unpause, func(_ context.Context, o *pauseOptions) error { got = o; return nil })
		root := newTestRoot(t, g, cmd)
		root.SetArgs([]string{cmd.Name(), "web", "db"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if got == nil || got.unpause != unpause || !slices.Equal(got.services, []string{"web", "db"}) {
			t.Errorf("%s: options = %+v, want services web, db", cmd.Name(), got)
		}
	}
}

func TestTopFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *topOptions
	root := newTestRoot(t, g, newTopCmd(g, func(_ context.Context, o *topOptions) error { got = o; return nil }))
	root.SetArgs([]string{"top", "web"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !slices.Equal(got.services, []string{"web"}) {
		t.Errorf("options = %+v, want service web", got)
	}
}

// top prints Compose's one table: sorted by container, SERVICE and #
// first, CMD last, - where a container lacks a column.
func TestPrintTopAsCompose(t *testing.T) {
	var out strings.Builder
	err := printTop(&out, []backend.Processes{
		{Service: "web", Replica: 2, Container: "p-web-2", Titles: []string{"UID", "PID", "CMD"}, Rows: [][]string{{"root", "20", "nginx"}}},
		{Service: "web", Replica: 1, Container: "p-web-1", Titles: []string{"UID", "CMD", "C"}, Rows: [][]string{{"root", "nginx", "0"}, {"101", "nginx: worker", "0"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Compose's tabwriter: cells at least 4 wide, 2 apart.
	want := "SERVICE  #   UID   C   PID  CMD\n" +
		"web      1   root  0   -    nginx\n" +
		"web      1   101   0   -    nginx: worker\n" +
		"web      2   root  -   20   nginx\n"
	if out.String() != want {
		t.Errorf("top printed\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	if err := printTop(&out, nil); err != nil || out.Len() != 0 {
		t.Errorf("top of nothing printed %q, %v; want nothing", out.String(), err)
	}
}
