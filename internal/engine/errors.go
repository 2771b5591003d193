package engine

import "errors"

// Errors the orchestrator tells apart. Engine errors are wrapped with them
// (errors.Is) and keep the engine's own message.
var (
	// ErrUnreachable: no engine answers at the configured host.
	ErrUnreachable = errors.New("docker engine unreachable")
	// ErrNotFound: the named image, container, network or volume does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the name is taken.
	ErrConflict = errors.New("name already in use")
	// ErrPortInUse: a published host port is taken.
	ErrPortInUse = errors.New("host port already in use")
	// ErrNotSwarmManager: the engine is in no swarm, or only a worker of
	// one; swarm calls need a manager.
	ErrNotSwarmManager = errors.New("not a swarm manager")
	// ErrOutOfSequence: the swarm object changed since it was read; read it
	// again and retry.
	ErrOutOfSequence = errors.New("changed since it was read")
	// ErrNoSpace: the engine's disk is full (no space left on device).
	ErrNoSpace = errors.New("no space left on device")
)
