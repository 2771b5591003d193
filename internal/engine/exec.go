package engine

import (
	"bytes"
	"context"
	"fmt"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Exec runs cmd in a running container and returns its exit code and
// combined output.
func (c *Client) Exec(ctx context.Context, ref string, cmd []string) (ExecResult, error) {
	return c.ExecWith(ctx, ref, ExecSpec{Cmd: cmd})
}

// ExecWith runs spec in a running container and returns its exit code and
// combined output.
func (c *Client) ExecWith(ctx context.Context, ref string, spec ExecSpec) (ExecResult, error) {
	cmd := spec.Cmd
	created, err := c.api.ContainerExecCreate(ctx, ref, container.ExecOptions{
		Cmd: cmd, AttachStdout: true, AttachStderr: true,
		User: spec.User, Privileged: spec.Privileged, WorkingDir: spec.WorkingDir, Env: spec.Env,
	})
	if err != nil {
		return ExecResult{}, classify(err, "exec %q in container %s", cmd, ref)
	}
	attached, err := c.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return ExecResult{}, classify(err, "attach to exec %q in container %s", cmd, ref)
	}
	defer attached.Close()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &out, attached.Reader)
		done <- err
	}()
	select {
	case <-ctx.Done():
		return ExecResult{}, fmt.Errorf("exec %q in container %s: %w", cmd, ref, ctx.Err())
	case err := <-done:
		if err != nil {
			return ExecResult{}, fmt.Errorf("read output of %q in container %s: %w", cmd, ref, err)
		}
	}
	inspected, err := c.api.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return ExecResult{}, classify(err, "inspect exec %q in container %s", cmd, ref)
	}
	return ExecResult{ExitCode: inspected.ExitCode, Output: out.String()}, nil
}
