package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// The first Ctrl-C cancels (a clean stop), the second forces the exit.
func TestSecondInterruptForcesTheExit(t *testing.T) {
	cancelled, forced := make(chan struct{}), make(chan struct{})
	go cancelOnSignal(notifyInterrupts(), func() { close(cancelled) }, func() { close(forced) })
	interrupt := func() {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	interrupt()
	select {
	case <-cancelled:
	case <-time.After(time.Minute):
		t.Fatal("the first Ctrl-C did not cancel")
	}
	select {
	case <-forced:
		t.Fatal("one Ctrl-C forced the exit")
	default:
	}
	interrupt()
	select {
	case <-forced:
	case <-time.After(time.Minute):
		t.Fatal("the second Ctrl-C did not force the exit")
	}
}
