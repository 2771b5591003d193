package docker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/wait"
)

// The conditions the backend waits for, as values for internal/wait:
// what the engine says of a container, and commands run in it.

// containerCondition holds when test says so of the container as the
// engine reports it; last is what the latest check saw.
type containerCondition struct {
	backend *Backend
	id      string
	test    func(engine.Container) (bool, error)
	last    engine.Container
}

func (b *Backend) containerIs(id string, test func(engine.Container) (bool, error)) *containerCondition {
	return &containerCondition{backend: b, id: id, test: test}
}

func (c *containerCondition) Check(ctx context.Context) (bool, error) {
	got, err := c.backend.engine.ContainerInspect(ctx, c.id)
	if err != nil {
		return false, err
	}
	c.last = got
	return c.test(got)
}

// maxCheckGap caps the pause between two checks of a wait for a
// container to be ready. A command run in it is a process started through
// runc, tens of milliseconds of the machine's CPU: run every poll for the
// whole of a slow start it would take a good share of a core from the
// start it waits for. An inspect costs a millisecond, but many containers
// may be waited for at once. So waits pace their checks (wait.Paced):
// every poll at first, then a tenth of the time waited apart, at most
// this.
const maxCheckGap = time.Second

// execCondition holds when a command run in the container exits as want
// says; last describes the latest answer that did not.
type execCondition struct {
	backend *Backend
	id      string
	cmd     []string
	timeout time.Duration
	want    func(exitCode int) bool
	last    string
}

// execPasses holds once cmd exits 0 in the container.
func (b *Backend) execPasses(id string, cmd []string, timeout time.Duration) *execCondition {
	return &execCondition{backend: b, id: id, cmd: cmd, timeout: timeout, want: func(code int) bool { return code == 0 }}
}

// execFails holds once cmd exits non-zero in the container.
func (b *Backend) execFails(id string, cmd []string, timeout time.Duration) *execCondition {
	return &execCondition{backend: b, id: id, cmd: cmd, timeout: timeout, want: func(code int) bool { return code != 0 }}
}

func (e *execCondition) Check(ctx context.Context) (bool, error) {
	res, err := e.backend.execProbe(ctx, e.id, e.cmd, e.timeout)
	switch {
	case err == nil && e.want(res.ExitCode):
		return true, nil
	case err == nil:
		e.last = fmt.Sprintf("exit %d: %s", res.ExitCode, strings.TrimSpace(res.Output))
	case ctx.Err() == nil:
		// A probe that cannot run yet (the container is restarting) is
		// not a verdict: check again.
		e.last = err.Error()
	}
	return false, nil
}

// whileRunning checks c only while the container, as the latest check of
// state saw it, runs: there is nothing to exec into otherwise.
func whileRunning(state *containerCondition, c wait.Condition) wait.Condition {
	return wait.Func(func(ctx context.Context) (bool, error) {
		if !state.last.Running() {
			return false, nil
		}
		return c.Check(ctx)
	})
}
