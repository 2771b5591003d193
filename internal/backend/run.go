package backend

import (
	"time"

	"github.com/stackctl/stackctl/internal/engine"
)

// RunOptions say what Run runs and how.
type RunOptions struct {
	Service string
	// Cmd replaces the service's command when given.
	Cmd []string
	// Entrypoint replaces the service's entrypoint when given; the
	// service's command then goes too, unless Cmd is given.
	Entrypoint []string
	User       string
	WorkingDir string
	// Env is added to the service's environment, KEY=VALUE, over its own
	// values.
	Env []string
	// NoDeps runs the container without bringing up its dependencies.
	NoDeps bool
	// Remove removes the container once it has exited, and also when ctx
	// ends first.
	Remove bool
	// UseAliases joins the service's networks under its aliases (its name
	// among them), as its replicas do. Without it, as in Compose, the
	// one-off is reachable by its own name only and takes none of the
	// service's traffic.
	UseAliases bool
	// WaitTimeout bounds the wait for each dependency to become ready.
	WaitTimeout time.Duration
	Stdio       engine.Stdio
}

// RunResult is the one-off container and how its command ended.
type RunResult struct {
	Container string
	ExitCode  int
}
