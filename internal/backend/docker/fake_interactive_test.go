package docker

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
)

// The fake engine's attached commands write their command line to stdout
// and exit 0, except `sh -c 'exit N'`, which exits N. They log
// "exec-attached NAME CMD" and "run NAME"; a run's container exits as the
// real one does.

// fakeExitCode is what the fake's command exits with.
func fakeExitCode(cmd []string) int {
	var code int
	if len(cmd) == 3 && cmd[0] == "sh" && cmd[1] == "-c" {
		if _, err := fmt.Sscanf(cmd[2], "exit %d", &code); err == nil {
			return code
		}
	}
	return 0
}

// ExecAttached refuses a container that is not running, as the engine does.
func (f *fakeEngine) ExecAttached(ctx context.Context, ref string, spec engine.ExecSpec, stdio engine.Stdio) (int, error) {
	var name string
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if !c.Running() {
			return fmt.Errorf("exec in container %s: container is not running: %w", c.Name, engine.ErrConflict)
		}
		name = c.Name
		f.record("exec-attached %s %s", c.Name, strings.Join(spec.Cmd, " "))
		return nil
	})
	if err != nil {
		return 0, err
	}
	if stdio.Out != nil {
		_, _ = io.WriteString(stdio.Out, name+": "+strings.Join(spec.Cmd, " ")+"\n")
	}
	return fakeExitCode(spec.Cmd), nil
}

// ContainerRunAttached starts a created container, which writes its command
// line and exits.
func (f *fakeEngine) ContainerRunAttached(ctx context.Context, ref string, stdio engine.Stdio) (int, error) {
	var (
		line string
		code int
	)
	err := f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if c.Running() {
			return fmt.Errorf("start container %s: already running: %w", c.Name, engine.ErrConflict)
		}
		cmd := append(append([]string{}, c.spec.Entrypoint...), c.spec.Cmd...)
		code = fakeExitCode(cmd)
		f.record("run %s", c.Name)
		c.Status = "running"
		f.apply(c, exitWith(code))
		line = c.Name + ": " + strings.Join(cmd, " ") + "\n"
		return nil
	})
	if err != nil {
		return 0, err
	}
	if stdio.Out != nil {
		_, _ = io.WriteString(stdio.Out, line)
	}
	return code, nil
}
