package backend

import (
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// ContainerStatus is one container of the project as `ps` shows it.
type ContainerStatus struct {
	Service       string       `json:"service"`
	Name          string       `json:"name"`
	ID            string       `json:"id"`
	Replica       int          `json:"replica"`
	State         string       `json:"state"`
	Health        string       `json:"health,omitempty"`
	ExitCode      int          `json:"exit_code"`
	RestartPolicy string       `json:"restart_policy"`
	RestartCount  int          `json:"restart_count"`
	Ports         []stack.Port `json:"ports,omitempty"`
	StartedAt     time.Time    `json:"started_at"`
	Pid           int          `json:"-"`
	// Node and Error are, on a swarm, the node that runs the task and why
	// the task failed.
	Node  string `json:"node,omitempty"`
	Error string `json:"error,omitempty"`
	// OneOff marks a one-off container of run, none of the replicas.
	OneOff bool `json:"oneoff,omitempty"`
}
