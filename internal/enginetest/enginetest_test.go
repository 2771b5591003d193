package enginetest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// stoppingTB records how a helper ended the test it was given: Skipf and
// Fatalf stop the calling goroutine, as testing.T's do.
type stoppingTB struct {
	testing.TB
	skipped, failed string
}

func (s *stoppingTB) Skipf(format string, args ...any) {
	s.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (s *stoppingTB) Fatalf(format string, args ...any) {
	s.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// connectIn runs Connect on a stoppingTB in its own goroutine, so a skip or
// a failure ends only that goroutine, and reports how it ended.
func connectIn(t *testing.T) (tb *stoppingTB, connected bool) {
	tb = &stoppingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Connect(tb)
		connected = true
	}()
	<-done
	return tb, connected
}

// answeringEngine points DOCKER_HOST at an HTTP server that answers the
// engine's ping, as an engine does, and counts the requests it gets.
func answeringEngine(t *testing.T) *atomic.Int64 {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Api-Version", "1.41")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("OK"))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("DOCKER_HOST", "tcp://"+srv.Listener.Addr().String())
	t.Setenv("DOCKER_API_VERSION", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_CERT_PATH", "")
	return &requests
}

// Without the opt-in, Connect skips even though an engine answers, and
// asks it nothing: a plain `go test ./...` leaves the engine alone.
func TestConnectSkipsUnlessOptedInEvenWithAnEngine(t *testing.T) {
	requests := answeringEngine(t)
	t.Setenv(RequiredEnv, "")
	tb, connected := connectIn(t)
	if connected || tb.failed != "" || !strings.Contains(tb.skipped, RequiredEnv+"=1") {
		t.Errorf("Connect without %s: connected %v, failed %q, skipped %q; want a skip naming %s=1",
			RequiredEnv, connected, tb.failed, tb.skipped, RequiredEnv)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("Connect without %s sent the engine %d requests, want none", RequiredEnv, n)
	}
}

// With the opt-in, Connect connects to the engine that answers.
func TestConnectConnectsWhenOptedIn(t *testing.T) {
	requests := answeringEngine(t)
	t.Setenv(RequiredEnv, "1")
	tb, connected := connectIn(t)
	if !connected || tb.failed != "" || tb.skipped != "" {
		t.Errorf("Connect with %s=1 and an engine: connected %v, failed %q, skipped %q; want a client",
			RequiredEnv, connected, tb.failed, tb.skipped)
	}
	if requests.Load() == 0 {
		t.Errorf("Connect with %s=1 never asked the engine anything", RequiredEnv)
	}
}

// With the opt-in, an engine that does not answer fails the test: it never
// skips it.
func TestConnectFailsWithoutAnEngineWhenOptedIn(t *testing.T) {
	t.Setenv(RequiredEnv, "1")
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
	t.Setenv("DOCKER_API_VERSION", "")
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_CERT_PATH", "")
	tb, connected := connectIn(t)
	if connected || tb.skipped != "" || !strings.Contains(tb.failed, "need a Docker engine") {
		t.Errorf("Connect with %s=1 and no engine: connected %v, skipped %q, failed %q; want a failure",
			RequiredEnv, connected, tb.skipped, tb.failed)
	}
}
