package orchestrator

import (
	"fmt"
	"time"
)

// LockedError says the project is locked by another run of stackctl.
type LockedError struct {
	Project, Owner string
	Since          time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("project %s is locked by %s since %s: wait for it to finish (or raise --lock-wait)",
		e.Project, e.Owner, e.Since.Local().Format(time.TimeOnly))
}
