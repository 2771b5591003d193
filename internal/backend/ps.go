package backend

import (
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// ContainerStatus is one container of the project as `ps` shows it: the
// engine's facts, which the command renders (stackctl's table, or
// Compose's container summary for json and templates).
type ContainerStatus struct {
	Service       string
	Name          string
	ID            string
	Replica       int
	State         string
	Health        string
	ExitCode      int
	RestartPolicy string
	RestartCount  int
	// Ports are the published ports with the host ports bound.
	Ports     []stack.Port
	StartedAt time.Time
	Pid       int
	// Node and Error are, on a swarm, the node that runs the task and why
	// the task failed.
	Node  string
	Error string
	// OneOff marks a one-off container of run, none of the replicas.
	OneOff bool

	// What the engine lists of the container, as Compose's ps reads it:
	// the image as given at creation, the command line, when it was
	// created, the status text ("Up 2 minutes (healthy)"), its names, its
	// labels, mounts, networks (by name) and exposed ports (HostPort 0
	// when not published). On a swarm, what the task has of them.
	Image      string
	Command    string
	Created    time.Time
	StatusText string
	Names      []string
	Labels     map[string]string
	Mounts     []MountSummary
	Networks   []string
	Exposed    []stack.Port
}

// MountSummary is one of a container's mounts as listed: a volume's name
// and driver, or a bind's host path.
type MountSummary struct {
	Name, Source, Driver string
}
