package wait

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// counter holds from its nth check on, or fails there with err.
type counter struct {
	n, checks int
	err       error
}

func (c *counter) Check(context.Context) (bool, error) {
	c.checks++
	if c.checks < c.n {
		return false, nil
	}
	return c.err == nil, c.err
}

func TestUntilChecksUntilTheConditionHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{n: 3}
		began := time.Now()
		if err := Until(t.Context(), 50*time.Millisecond, c); err != nil {
			t.Fatalf("Until: %v", err)
		}
		if c.checks != 3 || time.Since(began) != 100*time.Millisecond {
			t.Errorf("%d checks over %s, want 3 over 100ms (the first at once)", c.checks, time.Since(began))
		}
	})
}

func TestUntilStopsAtAFailure(t *testing.T) {
	boom := errors.New("boom")
	c := &counter{n: 2, err: boom}
	if err := Until(context.Background(), time.Millisecond, c); !errors.Is(err, boom) || c.checks != 2 {
		t.Errorf("Until = %v after %d checks, want boom after 2", err, c.checks)
	}
}

func TestUntilEndsWithItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 950*time.Millisecond)
		defer cancel()
		c := &counter{n: 1000}
		if err := Until(ctx, 100*time.Millisecond, c); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Until = %v, want the deadline", err)
		}
		if c.checks != 10 {
			t.Errorf("%d checks in 950ms at 100ms, want 10", c.checks)
		}
	})
}

func TestUntilNotifiedChecksAtOnceWhenNotified(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{n: 3}
		notify := make(chan struct{})
		go func() {
			time.Sleep(10 * time.Millisecond)
			notify <- struct{}{}
			time.Sleep(10 * time.Millisecond)
			notify <- struct{}{}
		}()
		began := time.Now()
		if err := UntilNotified(t.Context(), time.Hour, notify, c); err != nil {
			t.Fatalf("UntilNotified: %v", err)
		}
		if c.checks != 3 || time.Since(began) != 20*time.Millisecond {
			t.Errorf("%d checks over %s, want 3 over 20ms (at once, then at each notice)", c.checks, time.Since(began))
		}
	})
}

func TestForAnyHoldsWhenOneHoldsAndFailsOnTheFirstFailure(t *testing.T) {
	slow, fast := &counter{n: 5}, &counter{n: 2}
	if err := Until(context.Background(), time.Millisecond, ForAny(slow, fast)); err != nil {
		t.Fatal(err)
	}
	if fast.checks != 2 || slow.checks != 2 {
		t.Errorf("checks: slow %d, fast %d; want both 2", slow.checks, fast.checks)
	}
	boom := errors.New("boom")
	if err := Until(context.Background(), time.Millisecond, ForAny(&counter{n: 3, err: boom}, &counter{n: 9})); !errors.Is(err, boom) {
		t.Errorf("ForAny with a failing condition = %v, want boom", err)
	}
}

func TestForAllHoldsOnceEachHeldAndChecksNoneAgain(t *testing.T) {
	a, b := &counter{n: 1}, &counter{n: 4}
	if err := Until(context.Background(), time.Millisecond, ForAll(a, b)); err != nil {
		t.Fatal(err)
	}
	if a.checks != 1 || b.checks != 4 {
		t.Errorf("checks: a %d, b %d; want 1 and 4", a.checks, b.checks)
	}
}
