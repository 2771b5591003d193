package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

var errDown = errors.New("dial tcp 10.0.0.2:5432: connect: connection refused")

// fakeStore counts visits in memory. Setting postgresDown makes every
// PostgreSQL operation fail; a non-nil cached total is served while it is.
type fakeStore struct {
	mu           sync.Mutex
	visits       int64
	visitors     []string
	postgresDown bool
	redisDown    bool
	cached       *int64
	deadlines    []bool // whether each store call had a context deadline
}

func (f *fakeStore) RecordVisit(ctx context.Context, servedBy string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	if f.postgresDown {
		return 0, errDown
	}
	f.visits++
	f.visitors = append(f.visitors, servedBy)
	return f.visits, nil
}

func (f *fakeStore) CountVisits(ctx context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	if f.cached != nil && !f.redisDown {
		return *f.cached, nil
	}
	if f.postgresDown {
		return 0, errDown
	}
	return f.visits, nil
}

func (f *fakeStore) PingPostgres(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	if f.postgresDown {
		return errDown
	}
	return nil
}

func (f *fakeStore) PingRedis(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noteDeadline(ctx)
	if f.redisDown {
		return errors.New("dial tcp 10.0.0.3:6379: i/o timeout")
	}
	return nil
}

func (f *fakeStore) noteDeadline(ctx context.Context) {
	_, ok := ctx.Deadline()
	f.deadlines = append(f.deadlines, ok)
}

func (f *fakeStore) recorded() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.visits
}

type testServer struct {
	handler http.Handler
	logs    *bytes.Buffer
}

func newTestServer(store Store) testServer {
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return testServer{handler: NewHandler(log, store, "web-app-1"), logs: logs}
}

func (s testServer) get(t *testing.T, path string) *http.Response {
	t.Helper()
	return s.do(t, http.MethodGet, path)
}

func (s testServer) do(t *testing.T, method, path string) *http.Response {
	t.Helper()
	recorder := httptest.NewRecorder()
	s.handler.ServeHTTP(recorder, httptest.NewRequest(method, path, nil))
	return recorder.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

func TestIndexRecordsVisitAndGreets(t *testing.T) {
	store := &fakeStore{}
	srv := newTestServer(store)

	for want := 1; want <= 3; want++ {
		resp := srv.get(t, "/")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET / #%d: status %d, want 200", want, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type = %q, want text/plain", ct)
		}
		got := body(t, resp)
		wantBody := fmt.Sprintf("Hello from the Go app connected to Postgres & Redis! visits=%d served_by=web-app-1\n", want)
		if got != wantBody {
			t.Errorf("GET / #%d body = %q, want %q", want, got, wantBody)
		}
	}
	if store.recorded() != 3 {
		t.Errorf("store recorded %d visits, want 3", store.recorded())
	}
	if got := store.visitors; len(got) != 3 || got[0] != "web-app-1" {
		t.Errorf("visits recorded as served by %v, want web-app-1", got)
	}
}

func TestIndexAnswers503WhenPostgresIsDown(t *testing.T) {
	store := &fakeStore{postgresDown: true}
	srv := newTestServer(store)

	resp := srv.get(t, "/")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	got := body(t, resp)
	if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") || !strings.Contains(got, "database unavailable") {
		t.Errorf("body = %q, want one line saying the database is unavailable", got)
	}
	if strings.Contains(got, "10.0.0.2") {
		t.Errorf("body leaks internal error detail: %q", got)
	}

	// Back up: the same handler serves again without being rebuilt.
	store.mu.Lock()
	store.postgresDown = false
	store.mu.Unlock()
	if resp := srv.get(t, "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after recovery: status %d, want 200", resp.StatusCode)
	}
	if store.recorded() != 1 {
		t.Errorf("recorded %d visits, want 1 (the failed request must not count)", store.recorded())
	}
}

func TestOnlyRootRecordsVisits(t *testing.T) {
	store := &fakeStore{}
	srv := newTestServer(store)
	for _, path := range []string{"/favicon.ico", "/api/stats", "/healthz", "/readyz"} {
		srv.get(t, path)
	}
	if resp := srv.do(t, http.MethodPost, "/"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d, want 405", resp.StatusCode)
	}
	if resp := srv.get(t, "/favicon.ico"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /favicon.ico: status %d, want 404", resp.StatusCode)
	}
	if store.recorded() != 0 {
		t.Errorf("recorded %d visits from non-root requests, want 0", store.recorded())
	}
}

// decodeStrict decodes a JSON object into a map so the test sees exactly
// the keys and value types the handler produced.
func decodeStrict(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decoding JSON: %v", err)
	}
	return got
}

func TestStatsShape(t *testing.T) {
	store := &fakeStore{visits: 42}
	srv := newTestServer(store)

	resp := srv.get(t, "/api/stats")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	got := decodeStrict(t, resp)
	want := map[string]any{
		"visits":    float64(42),
		"served_by": "web-app-1",
		"postgres":  "ok",
		"redis":     "ok",
	}
	if len(got) != len(want) {
		t.Errorf("keys = %v, want exactly %v", got, want)
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s = %#v, want %#v", key, got[key], value)
		}
	}
	if store.recorded() != 42 {
		t.Errorf("stats changed the visit count to %d", store.recorded())
	}
}

func TestStatsReportsDependencyStates(t *testing.T) {
	cached := int64(7)
	for _, tc := range []struct {
		name         string
		store        *fakeStore
		wantStatus   int
		wantVisits   any
		wantPostgres string
		wantRedis    string
	}{
		{"redis down", &fakeStore{visits: 5, redisDown: true}, http.StatusOK, float64(5), "ok", "down"},
		{"postgres down, cache warm", &fakeStore{postgresDown: true, cached: &cached}, http.StatusOK, float64(7), "down", "ok"},
		{"both down", &fakeStore{postgresDown: true, redisDown: true}, http.StatusServiceUnavailable, nil, "down", "down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := newTestServer(tc.store).get(t, "/api/stats")
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			got := decodeStrict(t, resp)
			if visits, ok := got["visits"]; !ok || visits != tc.wantVisits {
				t.Errorf("visits = %#v (present %v), want %#v", visits, ok, tc.wantVisits)
			}
			if got["postgres"] != tc.wantPostgres || got["redis"] != tc.wantRedis {
				t.Errorf("postgres=%v redis=%v, want %s %s", got["postgres"], got["redis"], tc.wantPostgres, tc.wantRedis)
			}
		})
	}
}

func TestHealthzAnswersEvenWithDependenciesDown(t *testing.T) {
	resp := newTestServer(&fakeStore{postgresDown: true, redisDown: true}).get(t, "/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: liveness must not depend on the database", resp.StatusCode)
	}
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name         string
		store        *fakeStore
		wantStatus   int
		wantPostgres string
		wantRedis    string
	}{
		{"all up", &fakeStore{}, http.StatusOK, "ok", "ok"},
		{"redis down is not fatal", &fakeStore{redisDown: true}, http.StatusOK, "ok", "down"},
		{"postgres down", &fakeStore{postgresDown: true}, http.StatusServiceUnavailable, "down", "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := newTestServer(tc.store).get(t, "/readyz")
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			got := decodeStrict(t, resp)
			if got["postgres"] != tc.wantPostgres || got["redis"] != tc.wantRedis {
				t.Errorf("body %v, want postgres=%s redis=%s", got, tc.wantPostgres, tc.wantRedis)
			}
			if got["ready"] != (tc.wantStatus == http.StatusOK) {
				t.Errorf("ready = %v with status %d", got["ready"], resp.StatusCode)
			}
		})
	}
}

func TestStoreCallsHaveDeadlines(t *testing.T) {
	store := &fakeStore{}
	srv := newTestServer(store)
	for _, path := range []string{"/", "/api/stats", "/readyz"} {
		srv.get(t, path)
	}
	if len(store.deadlines) == 0 {
		t.Fatal("no store calls observed")
	}
	for i, ok := range store.deadlines {
		if !ok {
			t.Errorf("store call %d had no deadline: a hung database would hang the request", i)
		}
	}
}

func TestOneLogLinePerRequest(t *testing.T) {
	srv := newTestServer(&fakeStore{postgresDown: true})
	srv.get(t, "/")
	srv.get(t, "/healthz") // successful probes log at debug, below the test's level

	lines := strings.Split(strings.TrimSpace(srv.logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1:\n%s", len(lines), srv.logs)
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	for key, want := range map[string]any{"method": "GET", "path": "/", "status": float64(503)} {
		if entry[key] != want {
			t.Errorf("log %s = %#v, want %#v", key, entry[key], want)
		}
	}
	if _, ok := entry["duration_ms"].(float64); !ok {
		t.Errorf("log line lacks a numeric duration_ms: %v", entry)
	}
	if msg, _ := entry["error"].(string); !strings.Contains(msg, "connection refused") {
		t.Errorf("log line lacks the store error: %v", entry)
	}
}
