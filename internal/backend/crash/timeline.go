package crash

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/progress"
)

// Timeline times a crash's recovery from the kill: each milestone goes
// into the report and out as progress the moment it is seen, so both
// backends print a crash the same way.
type Timeline struct {
	report   *backend.CrashReport
	resource string
	progress progress.Reporter
	killedAt time.Time
	timeout  time.Duration
}

// Begin starts the clock of a crash of resource (as progress names it,
// "container db-1"), just before the kill.
func Begin(report *backend.CrashReport, resource string, reporter progress.Reporter) *Timeline {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	return &Timeline{report: report, resource: resource, progress: reporter, killedAt: time.Now()}
}

// Killed records how the process was killed.
func (t *Timeline) Killed(method string) {
	t.report.Method = method
	t.emit("killed", method)
}

// Mark records a milestone, timed from the kill.
func (t *Timeline) Mark(what string) {
	after := time.Since(t.killedAt)
	t.report.Timeline = append(t.report.Timeline, backend.Milestone{What: what, After: after})
	t.emit(what, "+"+after.Round(time.Millisecond).String())
}

// Watch bounds the watch of the recovery by timeout, which WaitError
// names.
func (t *Timeline) Watch(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	t.timeout = timeout
	return context.WithTimeout(ctx, timeout)
}

// WaitError is the error of the wait for milestone what that ended with
// err: a deadline says how long it waited (and what the wait last saw,
// when err says more than the deadline); anything else is err itself.
func (t *Timeline) WaitError(what string, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := fmt.Sprintf("service %s: not %s within %s after the crash", t.report.Service, what, t.timeout)
	if err == context.DeadlineExceeded { // the bare deadline: nothing more to say
		return errors.New(msg)
	}
	return fmt.Errorf("%s: %w", msg, err)
}

func (t *Timeline) emit(status, detail string) {
	t.progress.Report(progress.Event{Time: time.Now(), Resource: t.resource, Status: status, Detail: detail, Level: "info"})
}
