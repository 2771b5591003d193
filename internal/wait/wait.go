// Package wait polls for conditions. A condition is a value that is
// checked once per poll; conditions combine with ForAny and ForAll, and one
// poll loop serves them all.
package wait

import (
	"context"
	"time"
)

// Condition is what a wait waits for.
type Condition interface {
	// Check reports whether the condition holds (done), or has failed in a
	// way that waiting longer cannot cure (err). With neither, the poll
	// checks again.
	Check(ctx context.Context) (done bool, err error)
}

// Func is a condition written as a function.
type Func func(ctx context.Context) (done bool, err error)

// Check calls f.
func (f Func) Check(ctx context.Context) (bool, error) { return f(ctx) }

// ForAny holds once any of cs holds, checking them in order; the first
// failure fails it.
func ForAny(cs ...Condition) Condition {
	return Func(func(ctx context.Context) (bool, error) {
		for _, c := range cs {
			done, err := c.Check(ctx)
			if err != nil || done {
				return done, err
			}
		}
		return false, nil
	})
}

// ForAll holds once each of cs has held; one that held is not checked
// again. The first failure fails it.
func ForAll(cs ...Condition) Condition {
	held := make([]bool, len(cs))
	return Func(func(ctx context.Context) (bool, error) {
		all := true
		for i, c := range cs {
			if held[i] {
				continue
			}
			done, err := c.Check(ctx)
			if err != nil {
				return false, err
			}
			held[i] = done
			all = all && done
		}
		return all, nil
	})
}

// Until checks c every interval until it holds, fails, or ctx ends; then
// it returns nil, the failure, or ctx's error.
func Until(ctx context.Context, interval time.Duration, c Condition) error {
	return UntilNotified(ctx, interval, nil, c)
}

// UntilNotified is Until that also checks c at once whenever notify
// delivers: for a condition whose change something announces, so that the
// interval need only cover a missed announcement.
func UntilNotified(ctx context.Context, interval time.Duration, notify <-chan struct{}, c Condition) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-notify:
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		done, err := c.Check(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		t.Reset(interval)
	}
}
