package backend

import (
	"errors"

	"github.com/stackctl/stackctl/internal/engine"
)

// ErrNotRunning: the service has no running container to act in.
var ErrNotRunning = errors.New("not running")

// ErrNoSuchReplica: the replica asked for is not one the service has.
var ErrNoSuchReplica = errors.New("no such replica")

// ExecOptions say what Exec runs, where, and how.
type ExecOptions struct {
	Service string
	// Index is the replica to run in (1-based); 0 is the first running one.
	Index int
	// Cmd is the command and its arguments.
	Cmd        []string
	User       string
	WorkingDir string
	// Env is added to the container's environment, KEY=VALUE.
	Env   []string
	Stdio engine.Stdio
}
