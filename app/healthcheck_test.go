package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		wantErr bool
	}{
		{"healthy", http.StatusOK, false},
		{"unhealthy", http.StatusServiceUnavailable, true},
		{"redirect is not health", http.StatusMovedPermanently, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/healthz" {
					t.Errorf("probed %s, want /healthz", r.URL.Path)
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			err := probe(context.Background(), srv.URL+"/healthz", time.Second)
			if (err != nil) != tc.wantErr {
				t.Errorf("probe error = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

func TestProbeTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)

	// The caller's context has no deadline and the server never answers:
	// only probe's own timeout can end the probe. The wait here is a
	// backstop for a probe that hangs, not a measure of its speed.
	probed := make(chan error, 1)
	go func() { probed <- probe(context.Background(), srv.URL+"/healthz", 100*time.Millisecond) }()
	select {
	case err := <-probed:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("probe of a hung server = %v, want its timeout (context.DeadlineExceeded)", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("probe of a hung server never returned: its timeout is not applied")
	}
}

func TestProbeNothingListening(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if err := probe(context.Background(), url+"/healthz", time.Second); err == nil {
		t.Fatal("probe succeeded with nothing listening")
	}
}
