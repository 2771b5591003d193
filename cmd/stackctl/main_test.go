package main

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/progress"
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

// A failure ends the stderr of --progress json with one more JSON object,
// multi-line messages included; other modes get the plain line.
func TestErrorIsAJSONObjectUnderProgressJSON(t *testing.T) {
	err := errors.New("service web (container p-web-1) exited with code 3\n--- last log lines ---\nboom")
	var out strings.Builder
	printError(&out, err, true)
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var ev progress.Event
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &ev) != nil {
		t.Fatalf("stderr = %q, want one JSON object on one line", out.String())
	}
	if ev.Level != "error" || ev.Status != "failed" || ev.Detail != err.Error() || ev.Time.IsZero() {
		t.Errorf("event %+v, want a failed error event carrying the whole message", ev)
	}
	out.Reset()
	printError(&out, err, false)
	if !strings.HasPrefix(out.String(), "error: service web") {
		t.Errorf("plain stderr = %q", out.String())
	}
}
