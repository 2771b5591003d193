package main

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

func TestExecFlags(t *testing.T) {
	t.Setenv("FROM_STACKCTL", "passed")
	tests := []struct {
		name string
		args []string
		want execOptions
		load stack.LoadOptions
	}{
		{
			name: "service and command",
			args: []string{"exec", "web", "ls"},
			want: execOptions{service: "web", command: []string{"ls"}},
		},
		{
			name: "all set",
			args: []string{"-f", "a.yaml", "exec", "-T", "--index", "2", "-u", "1000", "-w", "/tmp", "-e", "A=1", "-e", "FROM_STACKCTL", "-e", "UNSET_HERE",
				"-p", "foo", "web", "sh", "-c", "exit 3"},
			want: execOptions{noTTY: true, index: 2, user: "1000", workdir: "/tmp", env: []string{"A=1", "FROM_STACKCTL=passed"},
				service: "web", command: []string{"sh", "-c", "exit 3"}},
			load: stack.LoadOptions{Files: []string{"a.yaml"}, ProjectName: "foo"},
		},
		{
			// After SERVICE every flag is the command's, -p and -f included.
			name: "the command's flags",
			args: []string{"exec", "db", "psql", "-p", "5432", "-f", "x.sql", "-T", "--index", "9"},
			want: execOptions{service: "db", command: []string{"psql", "-p", "5432", "-f", "x.sql", "-T", "--index", "9"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _ := testIO()
			g := &globalOptions{io: io}
			var got *execOptions
			root := newTestRoot(t, g, newExecCmd(g, func(_ context.Context, o *execOptions) error { got = o; return nil }))
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			if got == nil {
				t.Fatal("exec did not run")
			}
			if got.noTTY != tt.want.noTTY || got.index != tt.want.index || got.user != tt.want.user || got.workdir != tt.want.workdir ||
				got.service != tt.want.service || !slices.Equal(got.command, tt.want.command) || !slices.Equal(got.env, tt.want.env) {
				t.Errorf("options = -T %v --index %d -u %q -w %q -e %q %s %q\nwant      -T %v --index %d -u %q -w %q -e %q %s %q",
					got.noTTY, got.index, got.user, got.workdir, got.env, got.service, got.command,
					tt.want.noTTY, tt.want.index, tt.want.user, tt.want.workdir, tt.want.env, tt.want.service, tt.want.command)
			}
			if !slices.Equal(got.load.Files, tt.load.Files) || got.load.ProjectName != tt.load.ProjectName {
				t.Errorf("load options = %+v, want %+v", got.load, tt.load)
			}
		})
	}
}

func TestExecNeedsServiceAndCommand(t *testing.T) {
	for _, args := range [][]string{{"exec"}, {"exec", "web"}, {"exec", "-e", "=x", "web", "ls"}} {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		ran := false
		root := newTestRoot(t, g, newExecCmd(g, func(context.Context, *execOptions) error { ran = true; return nil }))
		root.SetArgs(args)
		if err := root.Execute(); err == nil || ran {
			t.Errorf("%q: ran %v, error %v; want an error and no run", args, ran, err)
		}
	}
}

func TestExitCodePassesTheCodeOn(t *testing.T) {
	if err := exitCode(0); err != nil {
		t.Errorf("exit 0 gave %v, want no error", err)
	}
	for code, want := range map[int]int{3: 3, 255: 255, 256: 1, -1: 1} {
		var exit *exitCodeError
		if err := exitCode(code); !errors.As(err, &exit) || exit.code != want {
			t.Errorf("exitCode(%d) = %v, want code %d", code, err, want)
		}
	}
}

// Without a terminal on stdin there is none in the container either, and a
// terminal is never given with -T.
func TestContainerStdioWithoutTerminal(t *testing.T) {
	s := &streams{In: os.Stdin, Out: &strings.Builder{}, Err: &strings.Builder{}, InIsTerminal: false}
	if stdio := s.containerStdio(true); stdio.TTY || stdio.Terminal != nil || stdio.In != os.Stdin {
		t.Errorf("stdio = %+v, want stdin attached without a terminal", stdio)
	}
	s.InIsTerminal = true
	if stdio := s.containerStdio(false); stdio.TTY || stdio.Terminal != nil {
		t.Errorf("-T: stdio = %+v, want no terminal", stdio)
	}
}
