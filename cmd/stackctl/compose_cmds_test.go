package main

import (
	"context"
	"slices"
	"testing"
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
