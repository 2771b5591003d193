package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// stoppingEngine answers a stop only once release is closed, and, unless
// eventsFail, tells a watcher of the container's death as soon as the stop
// has arrived: an engine that reports the death before it has released
// the container.
type stoppingEngine struct {
	stopArrived, release chan struct{}
	releaseOnce          sync.Once
	eventsFail           bool
	stopStatus           int
}

// letStopReturn answers the stop; a test that failed before it does so
// at its end, so that the server can close.
func (e *stoppingEngine) letStopReturn() { e.releaseOnce.Do(func() { close(e.release) }) }

func (e *stoppingEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/events"):
		if e.eventsFail {
			http.Error(w, `{"message":"events unavailable"}`, http.StatusInternalServerError)
			return
		}
		if !strings.Contains(r.URL.Query().Get("filters"), `"die"`) || !strings.Contains(r.URL.Query().Get("filters"), "c1") {
			http.Error(w, `{"message":"want a watch of c1's death"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-e.stopArrived:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte(`{"Type":"container","Action":"die","Actor":{"ID":"c1"}}` + "\n"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case strings.HasSuffix(r.URL.Path, "/containers/c1/stop"):
		close(e.stopArrived)
		<-e.release
		if e.stopStatus != 0 {
			http.Error(w, `{"message":"No such container: c1"}`, e.stopStatus)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func clientOf(t *testing.T, h http.Handler) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	api, err := client.NewClientWithOpts(client.WithHost("tcp://"+strings.TrimPrefix(srv.URL, "http://")), client.WithVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	return &Client{api: api}
}

func newStoppingEngine(t *testing.T) *stoppingEngine {
	e := &stoppingEngine{stopArrived: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(e.letStopReturn)
	return e
}

func TestContainerStoppingTellsOfTheDeathBeforeTheStopReturns(t *testing.T) {
	e := newStoppingEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	died, stopped := clientOf(t, e).ContainerStopping(ctx, "c1", 10*time.Second)
	select {
	case <-died:
	case <-ctx.Done():
		t.Fatal("the death was never told, though the engine reported it while the stop was under way")
	}
	e.letStopReturn()
	if err := stopped(); err != nil {
		t.Fatalf("stopped: %v", err)
	}
}

func TestContainerStoppingWithoutAWatchTellsOfTheDeathWhenTheStopReturns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		wantErr error
	}{
		{"stopped", 0, nil},
		{"gone", http.StatusNotFound, ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newStoppingEngine(t)
			e.eventsFail, e.stopStatus = true, tc.status
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			died, stopped := clientOf(t, e).ContainerStopping(ctx, "c1", 10*time.Second)
			<-e.stopArrived
			select {
			case <-died:
				t.Fatal("the death was told before the stop returned, with no watch to tell it")
			case <-time.After(50 * time.Millisecond):
			}
			e.letStopReturn()
			select {
			case <-died:
			case <-ctx.Done():
				t.Fatal("the death was not told when the stop returned")
			}
			if err := stopped(); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("stopped: %v, want %v", err, tc.wantErr)
			}
		})
	}
}
