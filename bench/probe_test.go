package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// An attempt that hangs (as one whose SYN was lost does, for a second)
// must not hold up the next: the first request here is held until waitWeb
// has returned, so a waitWeb that waits for it never returns.
func TestWaitWebIsNotHeldUpByAHangingAttempt(t *testing.T) {
	release := make(chan struct{})
	var requests atomic.Int32
	var firstEnded atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done(): // the client gave up on it
			}
			firstEnded.Store(true)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	at, err := waitWeb(ctx, newProbeClient(), srv.URL)
	if err != nil {
		t.Fatalf("waitWeb with its first request held: %v", err)
	}
	if firstEnded.Load() {
		t.Error("waitWeb returned only after its first, hanging request ended")
	}
	if at.Before(began) || requests.Load() < 2 {
		t.Errorf("answered at %v (began %v) after %d requests; want a later request's answer", at, began, requests.Load())
	}
}
