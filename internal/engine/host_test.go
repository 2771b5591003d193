package engine

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNewWithHostNegotiatesWithTheEngineAtHost(t *testing.T) {
	var pings atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/_ping") {
			http.NotFound(w, r)
			return
		}
		pings.Add(1)
		w.Header().Set("API-Version", "1.41")
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()
	// Whatever the environment names must not matter.
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")

	host := "tcp://" + srv.Listener.Addr().String()
	cli, err := NewWithHost(context.Background(), host)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if cli.Host() != host || cli.APIVersion() != "1.41" {
		t.Errorf("client at %s speaking API %s; want %s and 1.41", cli.Host(), cli.APIVersion(), host)
	}
	if cli.IsLocal() {
		t.Errorf("an engine over TCP counts as local")
	}
	if pings.Load() == 0 {
		t.Errorf("the engine at %s was never asked", host)
	}
}

// The version is the one the engine gave in the ping that found it: an
// engine that answers that ping and then no more (still starting, or slow)
// must not leave the client at its own newest version, which the engine
// refuses ("client version 1.51 is too new").
func TestNewWithHostTakesTheVersionFromThePingThatFoundTheEngine(t *testing.T) {
	var pings atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pings.Add(1) > 1 {
			// Hang up without an answer.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("API-Version", "1.41")
		_, _ = w.Write([]byte("OK"))
	}))
	defer srv.Close()

	cli, err := NewWithHost(context.Background(), "tcp://"+srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if got := cli.APIVersion(); got != "1.41" {
		t.Errorf("client speaks API %s after %d pings; want 1.41, the version of the one ping that answered", got, pings.Load())
	}
}

func TestNewWithHostReportsAnUnreachableEngine(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := "tcp://" + l.Addr().String()
	_ = l.Close()

	_, err = NewWithHost(context.Background(), host)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), host) {
		t.Errorf("NewWithHost(%s) = %v; want ErrUnreachable naming the host", host, err)
	}
	if _, err := NewWithHost(context.Background(), "not a host"); err == nil {
		t.Errorf("NewWithHost accepted a malformed host")
	}
}
