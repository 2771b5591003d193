package wait

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// stamps records when it was checked, and holds from its nth check on, or
// fails there with err.
type stamps struct {
	n   int
	err error
	at  []time.Duration
	t0  time.Time
}

func (s *stamps) Check(context.Context) (bool, error) {
	s.at = append(s.at, time.Since(s.t0))
	if len(s.at) < s.n {
		return false, nil
	}
	return s.err == nil, s.err
}

// Polled every 50 ms for a minute, a paced condition is checked at every
// poll while a tenth of the time waited is under 50 ms, then at gaps that
// grow with the wait, never more than a tenth of it (plus a poll) nor more
// than the cap (plus a poll).
func TestPacedChecksLessOftenAsTheWaitGoesOnUpToItsCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		const poll, maxGap = 50 * time.Millisecond, time.Second
		s := &stamps{n: 1 << 30, t0: time.Now()}
		if err := Until(ctx, poll, Paced(s, maxGap)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Until = %v, want the deadline", err)
		}
		for i := 1; i < len(s.at); i++ {
			gap, waited := s.at[i]-s.at[i-1], s.at[i-1]
			want := max(poll, min(waited/10, maxGap))
			if gap < want || gap > want+poll {
				t.Fatalf("check %d came %s after the one at %s, want %s to %s", i, gap, waited, want, want+poll)
			}
		}
		// Unpaced, a minute at 50 ms is 1200 checks.
		if n := len(s.at); n < 60 || n > 120 {
			t.Errorf("%d checks in a minute, want between 60 (one a second) and 120", n)
		}
		if last := s.at[len(s.at)-1] - s.at[len(s.at)-2]; last < maxGap {
			t.Errorf("the last gap is %s, want the cap, %s", last, maxGap)
		}
	})
}

// A skipped check is no verdict: the condition's own answer, done or
// failed, ends the wait at the check that gives it.
func TestPacedPassesOnWhatTheConditionSays(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		err  error
	}{{"holds", nil}, {"fails", boom}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &stamps{n: 30, err: tc.err, t0: time.Now()}
				err := Until(t.Context(), 50*time.Millisecond, Paced(s, time.Second))
				if !errors.Is(err, tc.err) || len(s.at) != 30 {
					t.Errorf("Until = %v after %d checks, want %v after 30", err, len(s.at), tc.err)
				}
			})
		})
	}
}
