package main

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func TestRunFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want runOptions
	}{
		{
			name: "service only",
			args: []string{"run", "web"},
			want: runOptions{service: "web"},
		},
		{
			name: "all set",
			args: []string{"run", "--rm", "-T", "-e", "A=1", "--entrypoint", "sh -c", "--no-deps", "-u", "0", "-w", "/srv", "--use-aliases",
				"web", "echo", "--rm", "-e"},
			want: runOptions{remove: true, noTTY: true, env: []string{"A=1"}, entrypoint: "sh -c", noDeps: true, user: "0", workdir: "/srv",
				useAliases: true, service: "web", command: []string{"echo", "--rm", "-e"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _ := testIO()
			g := &globalOptions{io: io}
			var got *runOptions
			root := newTestRoot(t, g, newRunCmd(g, func(_ context.Context, o *runOptions) error { got = o; return nil }))
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			if got == nil {
				t.Fatal("run did not run")
			}
			w := tt.want
			if got.remove != w.remove || got.noTTY != w.noTTY || !slices.Equal(got.env, w.env) || got.entrypoint != w.entrypoint ||
				got.noDeps != w.noDeps || got.user != w.user || got.workdir != w.workdir || got.useAliases != w.useAliases ||
				got.service != w.service || !slices.Equal(got.command, w.command) {
				t.Errorf("options = %+v\nwant %+v", *got, w)
			}
		})
	}
}

// exec and run are in the real command tree.
func TestExecAndRunAreCommands(t *testing.T) {
	root := newRootCmd(&streams{Out: &strings.Builder{}, Err: &strings.Builder{}})
	for _, name := range []string{"exec", "run"} {
		if cmd, _, err := root.Find([]string{name}); err != nil || cmd.Name() != name {
			t.Errorf("no %s command: %v", name, err)
		}
	}
}
