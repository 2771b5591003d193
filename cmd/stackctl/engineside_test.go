package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stackctl/stackctl/internal/orchestrator"
)

// What was done for a guessed name counts only for that project, and
// only when the lock was taken and the shape read: a try without waiting
// that failed, however, is made again the usual way.
func TestEngineSideSettled(t *testing.T) {
	held := fmt.Errorf("lock: %w", &orchestrator.LockedError{Project: "p", Owner: "another run"})
	for _, tc := range []struct {
		name string
		side engineSide
		want bool
	}{
		{"no name known", engineSide{}, false},
		{"another name", engineSide{project: "q"}, false},
		{"lock held", engineSide{project: "p", stateErr: held}, false},
		{"lock let go while tried", engineSide{project: "p", stateErr: context.DeadlineExceeded}, false},
		{"engine failed", engineSide{project: "p", stateErr: errors.New("list containers: boom")}, false},
		{"locked and read", engineSide{project: "p"}, true},
	} {
		if got := tc.side.settled("p"); got != tc.want {
			t.Errorf("%s: settled = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Releasing calls the unlock once, and nothing when no lock was taken.
func TestEngineSideReleaseOnce(t *testing.T) {
	calls := 0
	side := engineSide{unlock: func() { calls++ }}
	side.release()
	side.release()
	if calls != 1 {
		t.Errorf("unlock called %d times, want 1", calls)
	}
	(&engineSide{}).release()
}
