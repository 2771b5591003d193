package backend

import "errors"

// ErrNoPort: the instance publishes no such port.
var ErrNoPort = errors.New("port not published")

// Processes are the processes of one running instance, as the engine's top
// lists them: the ps column titles and a row per process.
type Processes struct {
	Service   string
	Replica   int
	Container string
	Titles    []string
	Rows      [][]string
}

// PortOptions name a port of a service's instance.
type PortOptions struct {
	Service string
	// Index is the replica (1-based); 0 is the lowest-numbered one.
	Index int
	// Port is the container's port, Protocol tcp or udp ("" is tcp).
	Port     int
	Protocol string
}
