package backend

import (
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
)

// ErrUnknownService: a command named a service the stack does not have.
var ErrUnknownService = errors.New("unknown service")

// NotOwnedError: a resource with one of the stack's names exists but is not
// this project's, so stackctl will neither use nor touch it.
type NotOwnedError struct {
	Kind    string // container, network or volume
	Name    string
	Project string // the project we deploy
	Owner   string // the project label it carries, "" for none
}

func (e *NotOwnedError) Error() string {
	owner := "it has no stackctl labels"
	if e.Owner != "" {
		owner = fmt.Sprintf("it belongs to stackctl project %q", e.Owner)
	}
	return fmt.Sprintf("%s %q exists but is not part of project %q (%s); stackctl leaves it alone: "+
		"remove or rename it yourself, or deploy under another project name with -p NAME",
		e.Kind, e.Name, e.Project, owner)
}

// ImageMissingError: an image is neither on the engine nor pullable.
type ImageMissingError struct {
	Ref string
	Err error
}

func (e *ImageMissingError) Error() string {
	return fmt.Sprintf("image %s is not on the engine and cannot be pulled (%v); "+
		"without a registry, build offline stand-ins with scripts/images.sh (make images)", e.Ref, e.Err)
}

func (e *ImageMissingError) Unwrap() error { return e.Err }

// PortInUseError: the engine could not bind a published host port.
type PortInUseError struct {
	Container string
	Ports     string
	Err       error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("container %s: host port %s is already in use; free it, or publish another port in the compose file (a published port of 0, or none, lets the engine choose a free one): %v",
		e.Container, e.Ports, e.Err)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// ServiceFailedError: a service did not reach the state others wait for:
// it exited, turned unhealthy, or timed out. It carries what the operator
// needs to see why: the last health probe outputs and the log tail.
type ServiceFailedError struct {
	Service   string
	Container string
	// Task and Node name a swarm's task that failed, instead of a
	// container.
	Task, Node string
	Reason     string
	Health     []engine.HealthResult
	LastProbe  string
	LogTail    string
}

func (e *ServiceFailedError) Error() string {
	var b strings.Builder
	switch {
	case e.Task != "":
		fmt.Fprintf(&b, "service %s (task %s on node %s) %s", e.Service, e.Task, e.Node, e.Reason)
	default:
		fmt.Fprintf(&b, "service %s (container %s) %s", e.Service, e.Container, e.Reason)
	}
	if len(e.Health) > 0 {
		b.WriteString("\n--- last health checks ---")
		for _, h := range e.Health {
			fmt.Fprintf(&b, "\n%s exit %d: %s", h.Start.Format("15:04:05.000"), h.ExitCode, strings.TrimSpace(h.Output))
		}
	}
	if e.LastProbe != "" {
		fmt.Fprintf(&b, "\n--- last probe by stackctl ---\n%s", strings.TrimSpace(e.LastProbe))
	}
	if e.LogTail != "" {
		fmt.Fprintf(&b, "\n--- last log lines ---\n%s", strings.TrimRight(e.LogTail, "\n"))
	}
	return b.String()
}
