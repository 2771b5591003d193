package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/wait"
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

// LockOwner is how a lock names its holder: this process, its machine and
// its command line.
func LockOwner() (owner, host string) {
	host, _ = os.Hostname()
	return fmt.Sprintf("stackctl (pid %d on %s: %s)", os.Getpid(), host, strings.Join(os.Args[1:], " ")), host
}

// TakeLock calls try at once, and then every interval while maxWait
// allows, until it takes the lock. When the wait runs out, held says who
// holds the lock, and its LockedError is the error.
func TakeLock(ctx context.Context, maxWait, interval time.Duration, try wait.Func, held func() *LockedError) error {
	done, err := try(ctx)
	if err == nil && !done {
		waitCtx, cancel := context.WithTimeout(ctx, maxWait)
		defer cancel()
		err = wait.Until(waitCtx, interval, try)
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		if h := held(); h != nil {
			return h
		}
	}
	return err
}
