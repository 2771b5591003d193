package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

func TestServeFinishesInFlightRequestsOnShutdown(t *testing.T) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	started := make(chan struct{})
	release := make(chan struct{})
	srv := New(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.WriteHeader(http.StatusNoContent)
	}), 0)
	shuttingDown := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(shuttingDown) })
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, log, srv, listener, 5*time.Second) }()

	type result struct {
		status int
		err    error
	}
	requested := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + listener.Addr().String() + "/")
		if err != nil {
			requested <- result{err: err}
			return
		}
		resp.Body.Close()
		requested <- result{status: resp.StatusCode}
	}()

	<-started
	cancel() // as SIGTERM does
	// Release the request only once shutdown is under way (it closes the
	// listener, then runs this hook): until then, a serve that cut
	// requests off would have done so.
	select {
	case <-shuttingDown:
	case r := <-requested:
		t.Fatalf("in-flight request ended before shutdown began: status %d, err %v", r.status, r.err)
	case <-time.After(time.Minute):
		t.Fatal("shutdown never began after the context was cancelled")
	}
	select {
	case err := <-served:
		t.Fatalf("serve returned %v while a request was still in flight", err)
	default:
	}
	close(release)

	if r := <-requested; r.err != nil || r.status != http.StatusNoContent {
		t.Errorf("in-flight request: status %d, err %v; want 204", r.status, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serve returned %v, want nil after a clean shutdown", err)
	}
	if _, err := net.DialTimeout("tcp", listener.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after shutdown")
	}
}

func TestServeGivesUpAfterShutdownTimeout(t *testing.T) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	started := make(chan struct{})
	stuck := make(chan struct{})
	defer close(stuck)
	srv := New(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-stuck
	}), 0)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, log, srv, listener, 100*time.Millisecond) }()
	go func() {
		if resp, err := http.Get("http://" + listener.Addr().String() + "/"); err == nil {
			resp.Body.Close()
		}
	}()

	<-started
	cancel()
	select {
	case err := <-served:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("serve returned %v, want a deadline error", err)
		}
	case <-time.After(time.Minute): // a backstop for a hang, not a speed bound
		t.Fatal("serve did not return after the shutdown timeout")
	}
}

func TestNewSetsEveryTimeout(t *testing.T) {
	srv := New(slog.New(slog.NewJSONHandler(io.Discard, nil)), http.NotFoundHandler(), 5000)
	if srv.Addr != ":5000" {
		t.Errorf("Addr = %q, want :5000", srv.Addr)
	}
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout,
		"ReadTimeout":       srv.ReadTimeout,
		"WriteTimeout":      srv.WriteTimeout,
		"IdleTimeout":       srv.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s unset: net/http would wait forever", name)
		}
	}
	if srv.WriteTimeout <= requestTimeout {
		t.Errorf("WriteTimeout %s must exceed requestTimeout %s so timed-out requests still get their answer",
			srv.WriteTimeout, requestTimeout)
	}
}
