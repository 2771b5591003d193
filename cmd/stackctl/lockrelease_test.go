package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// The lock is released exactly once, started early or not, and wait
// returns only once the release is over.
func TestLockReleaseOnceAndWaited(t *testing.T) {
	var calls atomic.Int32
	var finished atomic.Bool
	l := newLockRelease(func() {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		finished.Store(true)
	})
	l.start()
	l.start()
	l.wait()
	if !finished.Load() {
		t.Error("wait returned before the release was over")
	}
	l.wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("unlock called %d times, want 1", n)
	}

	calls.Store(0)
	late := newLockRelease(func() { calls.Add(1) })
	late.wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("without start: unlock called %d times, want 1", n)
	}
}
