package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestRunRejectsBadUsage(t *testing.T) {
	for _, args := range [][]string{{"deploy"}, {"serve", "extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("run(%q) = %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "usage:") {
			t.Errorf("run(%q) printed no usage to stderr: %q", args, stderr.String())
		}
	}
}

func TestRunServeFailsOnBadConfig(t *testing.T) {
	t.Setenv("PORT", "not-a-port")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve"}, &stdout, &stderr); code != 1 {
		t.Fatalf("run(serve) with PORT=not-a-port = %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "PORT") {
		t.Errorf("error log does not name PORT: %s", stdout.String())
	}
}

func TestRunHealthcheckProbesTheGivenPath(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("PORT", strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port))

	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"healthcheck", "/readyz"}, 0},
		{[]string{"healthcheck"}, 1}, // /healthz answers 503 here
		{[]string{"healthcheck", "readyz"}, 2},
		{[]string{"healthcheck", "/readyz", "extra"}, 2},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != tc.want {
			t.Errorf("run(%q) = %d, want %d (stdout %q, stderr %q)", tc.args, code, tc.want, stdout.String(), stderr.String())
		}
	}
}
