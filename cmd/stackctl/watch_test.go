package main

import (
	"context"
	"slices"
	"testing"
)

func TestWatchFlags(t *testing.T) {
	for _, tt := range []struct {
		args              []string
		up, keep, quieted bool
	}{
		{args: []string{"watch", "web", "worker"}, up: true},
		{args: []string{"watch", "--no-up", "web", "worker"}},
		{args: []string{"watch", "--prune=false", "--quiet", "web", "worker"}, up: true, keep: true, quieted: true},
		{args: []string{"watch", "--prune", "web", "worker"}, up: true},
	} {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		var got *watchOptions
		root := newTestRoot(t, g, newWatchCmd(g, func(_ context.Context, o *watchOptions) error { got = o; return nil }))
		root.SetArgs(tt.args)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got == nil {
			t.Fatalf("%v: watch did not run", tt.args)
		}
		if !slices.Equal(got.services, []string{"web", "worker"}) {
			t.Errorf("%v: services = %v", tt.args, got.services)
		}
		if (got.up != nil) != tt.up {
			t.Errorf("%v: brings the stack up first = %v, want %v", tt.args, got.up != nil, tt.up)
		}
		if got.up != nil && !slices.Equal(got.up.Services, got.services) {
			t.Errorf("%v: up brings %v up, want the watched services", tt.args, got.up.Services)
		}
		if got.keepReplaced != tt.keep || g.hideBuildOutput != tt.quieted {
			t.Errorf("%v: keeps replaced images %v, hides build output %v; want %v, %v", tt.args, got.keepReplaced, g.hideBuildOutput, tt.keep, tt.quieted)
		}
	}
}
