package docker

import (
	"context"

	"github.com/stackctl/stackctl/internal/engine"
)

// Interactive runs commands whose streams are the caller's: exec in a
// running container, and a one-off container run to its end.
type Interactive interface {
	// ExecAttached runs spec in a running container, connected to stdio,
	// and returns the command's exit code.
	ExecAttached(ctx context.Context, ref string, spec engine.ExecSpec, stdio engine.Stdio) (int, error)
	// ContainerRunAttached connects stdio to a created container, starts
	// it, and returns its exit code once it has exited.
	ContainerRunAttached(ctx context.Context, ref string, stdio engine.Stdio) (int, error)
}
