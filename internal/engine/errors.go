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
)
