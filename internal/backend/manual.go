package backend

import (
	"errors"
	"io"
)

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

// RmOptions say which containers Rm removes and how.
type RmOptions struct {
	// Services are the services whose replicas go (all when none).
	Services []string
	// Stop stops running replicas first; without it they are left alone.
	Stop bool
	// Volumes also removes the anonymous volumes the replicas mount.
	Volumes bool
	// Confirm, when set, is told what is about to be removed before
	// anything is stopped or removed; an error from it removes nothing.
	Confirm func(names []string) error
}

// WaitOptions say whose instances Wait waits for.
type WaitOptions struct {
	Services []string
	// Exited, when set, is told of each instance as it stops.
	Exited func(Exit)
}

// Exit is how one instance's run ended.
type Exit struct {
	Service   string
	Container string
	ExitCode  int
}

// CopyOptions say what Copy copies, and where: one side is a path of this
// machine, the other a path in a service's instance.
type CopyOptions struct {
	Service string
	// Index is the replica (1-based). 0 is, into the service, every
	// replica, and out of it the lowest-numbered one.
	Index int
	// ToInstance copies Local into the instance's Path; otherwise the
	// instance's Path is copied to Local. Local "-" is a tar archive on
	// Stdio's streams.
	ToInstance  bool
	Local, Path string
	Stdin       io.Reader
	Stdout      io.Writer
}
