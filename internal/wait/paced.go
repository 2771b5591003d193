package wait

import (
	"context"
	"time"
)

// pacedShare: between two of its checks a paced condition lets pass the
// time waited so far divided by this.
const pacedShare = 10

// Paced checks c at the poll's cadence at first, then ever less often:
// after each check it is skipped (not done, no failure) for a tenth of
// the time waited so far, and never for longer than maxGap. For a
// condition too costly to check at every turn of a long wait, such as a
// command run in a container: its answer comes at most a tenth of the
// wait late, or maxGap.
func Paced(c Condition, maxGap time.Duration) Condition {
	var first, next time.Time
	return Func(func(ctx context.Context) (bool, error) {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		if now.Before(next) {
			return false, nil
		}
		done, err := c.Check(ctx)
		checked := time.Now()
		next = checked.Add(min(checked.Sub(first)/pacedShare, maxGap))
		return done, err
	})
}
