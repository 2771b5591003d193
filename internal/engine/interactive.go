package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Stdio connects a command in a container to the caller's streams.
type Stdio struct {
	// In feeds the command's standard input; nil attaches none. When In
	// ends, the command's input is closed.
	In io.Reader
	// Out and Err receive the command's standard output and error (nil:
	// discarded). With TTY the terminal merges both into Out.
	Out, Err io.Writer
	// TTY gives the command a terminal.
	TTY bool
	// Terminal is the caller's own terminal, with TTY: put in raw mode
	// while the command runs, and followed in size. Nil leaves both alone.
	Terminal Terminal
}

// Terminal is the caller's terminal, as a command run with a TTY uses it.
type Terminal interface {
	// Raw puts the terminal in raw mode and returns what restores it.
	Raw() (restore func(), err error)
	// Size is the terminal's size now (0, 0 when unknown).
	Size() (height, width uint)
	// Resized delivers a value each time the terminal changes size,
	// until ctx is done.
	Resized(ctx context.Context) <-chan struct{}
}

// ExecSpec is a command to run in a running container.
type ExecSpec struct {
	Cmd        []string
	User       string
	Privileged bool
	WorkingDir string
	// Env is added to the container's environment, KEY=VALUE.
	Env []string
}

// ExecAttached runs spec in a running container with its standard streams
// connected to stdio, and returns the command's exit code once its output
// has ended.
func (c *Client) ExecAttached(ctx context.Context, ref string, spec ExecSpec, stdio Stdio) (int, error) {
	opts := container.ExecOptions{
		Cmd: spec.Cmd, User: spec.User, Privileged: spec.Privileged, WorkingDir: spec.WorkingDir, Env: spec.Env,
		Tty: stdio.TTY, AttachStdin: stdio.In != nil, AttachStdout: true, AttachStderr: true,
	}
	if stdio.TTY && stdio.Terminal != nil {
		// Engines before API 1.42 ignore it (the client leaves it out);
		// the resize after the start covers them.
		if h, w := stdio.Terminal.Size(); h > 0 && w > 0 {
			opts.ConsoleSize = &[2]uint{h, w}
		}
	}
	created, err := c.api.ContainerExecCreate(ctx, ref, opts)
	if err != nil {
		return 0, classify(err, "exec %q in container %s", spec.Cmd, ref)
	}
	restore, err := makeRaw(stdio)
	if err != nil {
		return 0, fmt.Errorf("exec %q in container %s: %w", spec.Cmd, ref, err)
	}
	defer restore()
	attached, err := c.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{Tty: stdio.TTY, ConsoleSize: opts.ConsoleSize})
	if err != nil {
		return 0, classify(err, "start exec %q in container %s", spec.Cmd, ref)
	}
	defer attached.Close()

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go followSize(ctx, stdio, true, func(h, w uint) error {
		return c.api.ContainerExecResize(ctx, created.ID, container.ResizeOptions{Height: h, Width: w})
	})
	if err := stream(ctx, attached, stdio); err != nil {
		return 0, fmt.Errorf("exec %q in container %s: %w", spec.Cmd, ref, err)
	}
	inspected, err := c.api.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return 0, classify(err, "inspect exec %q in container %s", spec.Cmd, ref)
	}
	return inspected.ExitCode, nil
}

// ContainerRunAttached connects stdio to a created container (made with
// Tty and OpenStdin as stdio needs), starts it, and returns its exit code
// once it has exited and its output has ended.
func (c *Client) ContainerRunAttached(ctx context.Context, ref string, stdio Stdio) (int, error) {
	attached, err := c.api.ContainerAttach(ctx, ref, container.AttachOptions{
		Stream: true, Stdin: stdio.In != nil, Stdout: true, Stderr: true,
	})
	if err != nil {
		return 0, classify(err, "attach to container %s", ref)
	}
	defer attached.Close()
	// Registered before the start, so even an instant exit is seen.
	exited, waitErr := c.api.ContainerWait(ctx, ref, container.WaitConditionNextExit)

	restore, err := makeRaw(stdio)
	if err != nil {
		return 0, fmt.Errorf("run container %s: %w", ref, err)
	}
	defer restore()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	streamed := make(chan error, 1)
	go func() { streamed <- stream(ctx, attached, stdio) }()

	if err := c.api.ContainerStart(ctx, ref, container.StartOptions{}); err != nil {
		return 0, classify(err, "start container %s", ref)
	}
	go followSize(ctx, stdio, false, func(h, w uint) error {
		return c.api.ContainerResize(ctx, ref, container.ResizeOptions{Height: h, Width: w})
	})
	if err := <-streamed; err != nil {
		return 0, fmt.Errorf("run container %s: %w", ref, err)
	}
	select {
	case res := <-exited:
		if res.Error != nil && res.Error.Message != "" {
			return 0, fmt.Errorf("wait for container %s: %s", ref, res.Error.Message)
		}
		return int(res.StatusCode), nil
	case err := <-waitErr:
		if ctx.Err() != nil {
			return 0, fmt.Errorf("wait for container %s: %w", ref, ctx.Err())
		}
		return 0, classify(err, "wait for container %s", ref)
	case <-ctx.Done():
		return 0, fmt.Errorf("wait for container %s: %w", ref, ctx.Err())
	}
}

// makeRaw puts the caller's terminal in raw mode for a TTY.
func makeRaw(stdio Stdio) (func(), error) {
	if !stdio.TTY || stdio.Terminal == nil {
		return func() {}, nil
	}
	restore, err := stdio.Terminal.Raw()
	if err != nil {
		return nil, fmt.Errorf("put the terminal in raw mode: %w", err)
	}
	return restore, nil
}

// stream copies stdio.In to the attached connection (closing its write
// side when In ends) and the connection's output to stdio.Out and Err,
// until the output ends or ctx is done.
func stream(ctx context.Context, attached types.HijackedResponse, stdio Stdio) error {
	out, errOut := stdio.Out, stdio.Err
	if out == nil {
		out = io.Discard
	}
	if errOut == nil {
		errOut = io.Discard
	}
	done := make(chan error, 1)
	go func() {
		var err error
		if stdio.TTY {
			_, err = io.Copy(out, attached.Reader)
		} else {
			_, err = stdcopy.StdCopy(out, errOut, attached.Reader)
		}
		done <- err
	}()
	if stdio.In != nil {
		// Not waited for: a terminal's read does not end when the command
		// does.
		go func() {
			_, _ = io.Copy(attached.Conn, stdio.In)
			_ = attached.CloseWrite()
		}()
	}
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read output: %w", err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// followSize gives the command's terminal the caller's size, now and on
// every change, until ctx is done. An exec's process may not exist yet
// when the first resize arrives (engines before API 1.42 take no initial
// size), so that one is retried a few times.
func followSize(ctx context.Context, stdio Stdio, retry bool, resize func(h, w uint) error) {
	if !stdio.TTY || stdio.Terminal == nil {
		return
	}
	resized := stdio.Terminal.Resized(ctx)
	apply := func() error {
		h, w := stdio.Terminal.Size()
		if h == 0 || w == 0 {
			return nil
		}
		return resize(h, w)
	}
	for attempt := 1; apply() != nil && retry && attempt < 5; attempt++ {
		select {
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		case <-ctx.Done():
			return
		}
	}
	for {
		select {
		case <-resized:
			_ = apply()
		case <-ctx.Done():
			return
		}
	}
}
