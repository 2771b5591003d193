package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// testIO returns streams writing to buffers.
func testIO() (*streams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &streams{Out: &out, Err: &errOut}, &out, &errOut
}

// newTestRoot puts sub under a root with the global flags bound to g, by
// the same function newRootCmd binds them with.
func newTestRoot(t *testing.T, g *globalOptions, subs ...*cobra.Command) *cobra.Command {
	t.Helper()
	root := &cobra.Command{Use: "stackctl", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(g.io.Out)
	root.SetErr(g.io.Err)
	addGlobalFlags(root, g)
	root.AddCommand(subs...)
	return root
}

// execute runs the real command tree with args and returns its output.
func execute(t *testing.T, args ...string) (stdout string, err error) {
	t.Helper()
	io, out, _ := testIO()
	root := newRootCmd(io)
	root.SetArgs(args)
	err = root.ExecuteContext(context.Background())
	return out.String(), err
}

// A bad --progress is refused before any engine is contacted.
func TestUnknownProgressModeIsRejected(t *testing.T) {
	t.Setenv("POSTGRES_PASSWORD", "")
	t.Setenv("POSTGRES_PASSWORD_FILE", "")
	for _, args := range [][]string{
		{"ps", "--progress", "fancy"},
		{"down", "--progress", "fancy"},
		{"logs", "--progress", "fancy"},
		{"up", "--progress", "fancy"},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, err := execute(t, args...)
			if err == nil || !strings.Contains(err.Error(), `unknown progress mode "fancy" (want auto, tty, plain or json)`) {
				t.Errorf("error = %v, want it to name the mode and the valid ones", err)
			}
		})
	}
}

// Negative durations and counts are refused, naming the flag, before any
// engine is asked: the engine named here does not exist.
func TestNegativeDurationsAndCountsAreRefusedBeforeTheEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"up", "--wait-timeout", "-5s"},
		{"up", "--min-ready", "-1s"},
		{"up", "--batch-size", "-2"},
		{"down", "--timeout", "-1s"},
		{"--lock-wait", "-1m", "down"},
		{"kill", "--wait-timeout", "-3s", "db"},
		{"up", "--scale", "web=-1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, err := execute(t, args...)
			if err == nil || strings.Contains(err.Error(), "127.0.0.1:1") {
				t.Fatalf("error = %v, want the flag refused before the engine is asked", err)
			}
			flag := args[0]
			for _, a := range args {
				if strings.HasPrefix(a, "--") {
					flag = a
				}
			}
			if !strings.Contains(err.Error(), flag) {
				t.Errorf("error %q does not name %s", err, flag)
			}
		})
	}
}

// A command that does not exist fails, so a typo in a script does not
// pass silently; a close one is suggested.
func TestUnknownCommandFails(t *testing.T) {
	_, err := execute(t, "nosuchcommand")
	if err == nil || !strings.Contains(err.Error(), `unknown command "nosuchcommand"`) {
		t.Errorf("error = %v, want the unknown command named", err)
	}
	_, err = execute(t, "stat")
	if err == nil || !strings.Contains(err.Error(), "did you mean start or stats or stop?") {
		t.Errorf("error = %v, want stop, start and stats suggested", err)
	}
	if _, err := execute(t); err != nil {
		t.Errorf("stackctl alone (help): %v", err)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := execute(t, args...)
		if err != nil || !strings.HasPrefix(out, "stackctl version "+version()+"\n") || version() == "" {
			t.Errorf("%v: %q, %v; want the version line", args, out, err)
		}
	}
	if out, err := execute(t, "version", "--short"); err != nil || out != version()+"\n" {
		t.Errorf("version --short: %q, %v", out, err)
	}
}
