package main

import (
	"context"
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

	start := time.Now()
	if err := probe(context.Background(), srv.URL+"/healthz", 100*time.Millisecond); err == nil {
		t.Fatal("probe of a hung server succeeded")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("probe took %s, want about its 100ms timeout", elapsed)
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
