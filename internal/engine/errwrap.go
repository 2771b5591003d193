package engine

import (
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
)

// classify wraps err with the sentinel the engine's answer stands for, and
// says what was being done to which resource.
func classify(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	switch {
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("%s: %w: %w", what, ErrNotFound, err)
	case cerrdefs.IsConflict(err):
		return fmt.Errorf("%s: %w: %w", what, ErrConflict, err)
	case isPortInUse(err):
		return fmt.Errorf("%s: %w: %w", what, ErrPortInUse, err)
	case strings.Contains(err.Error(), "not a swarm manager"):
		return fmt.Errorf("%s: %w: %w", what, ErrNotSwarmManager, err)
	case strings.Contains(err.Error(), "update out of sequence"):
		return fmt.Errorf("%s: %w: %w", what, ErrOutOfSequence, err)
	default:
		return fmt.Errorf("%s: %w", what, err)
	}
}

func isPortInUse(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") ||
		strings.Contains(msg, "address already in use")
}
