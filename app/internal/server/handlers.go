package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// Store is what the handlers need from the persistence layer.
type Store interface {
	// RecordVisit durably records a visit and returns the total including it.
	RecordVisit(ctx context.Context, servedBy string) (int64, error)
	// CountVisits returns the current total without recording a visit.
	CountVisits(ctx context.Context) (int64, error)
	PingPostgres(ctx context.Context) error
	PingRedis(ctx context.Context) error
}

const (
	stateOK   = "ok"
	stateDown = "down"
)

// retryAfterSeconds is what a client is told to wait when the database is
// unavailable: about the time a restarted PostgreSQL needs to accept
// connections again.
const retryAfterSeconds = "5"

type handlers struct {
	store    Store
	hostname string
}

// index records a visit and greets the visitor with the new total.
func (h handlers) index(w http.ResponseWriter, r *http.Request) {
	total, err := h.store.RecordVisit(r.Context(), h.hostname)
	if err != nil {
		noteError(r.Context(), err)
		w.Header().Set("Retry-After", retryAfterSeconds)
		writeText(w, http.StatusServiceUnavailable, "cannot record visit: database unavailable")
		return
	}
	writeText(w, http.StatusOK, fmt.Sprintf(
		"Hello from the Go app connected to Postgres & Redis! visits=%d served_by=%s", total, h.hostname))
}

type statsResponse struct {
	// Visits is null when neither Redis nor PostgreSQL could provide it.
	Visits   *int64 `json:"visits"`
	ServedBy string `json:"served_by"`
	Postgres string `json:"postgres"`
	Redis    string `json:"redis"`
}

// stats reports the visit total and the state of both dependencies. It
// answers 200 whenever it has a total, which a warm cache can provide while
// PostgreSQL is down.
func (h handlers) stats(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var (
		wg                              sync.WaitGroup
		total                           int64
		countErr, postgresErr, redisErr error
	)
	// Concurrently, so a dead dependency costs one timeout, not their sum.
	wg.Go(func() { total, countErr = h.store.CountVisits(ctx) })
	wg.Go(func() { postgresErr = h.store.PingPostgres(ctx) })
	wg.Go(func() { redisErr = h.store.PingRedis(ctx) })
	wg.Wait()

	response := statsResponse{
		ServedBy: h.hostname,
		Postgres: state(postgresErr),
		Redis:    state(redisErr),
	}
	status := http.StatusOK
	if countErr != nil {
		noteError(ctx, countErr)
		status = http.StatusServiceUnavailable
	} else {
		response.Visits = &total
	}
	writeJSON(w, status, response)
}

// healthz is the liveness probe: answering at all is the signal.
func (h handlers) healthz(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "ok")
}

type readinessResponse struct {
	Ready    bool   `json:"ready"`
	Postgres string `json:"postgres"`
	Redis    string `json:"redis"`
}

// readyz is the readiness probe: a replica that cannot reach PostgreSQL
// cannot serve visits. Redis is reported but not required, since the app
// works (more slowly) without its cache.
func (h handlers) readyz(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var (
		wg                    sync.WaitGroup
		postgresErr, redisErr error
	)
	wg.Go(func() { postgresErr = h.store.PingPostgres(ctx) })
	wg.Go(func() { redisErr = h.store.PingRedis(ctx) })
	wg.Wait()

	response := readinessResponse{
		Ready:    postgresErr == nil,
		Postgres: state(postgresErr),
		Redis:    state(redisErr),
	}
	status := http.StatusOK
	if !response.Ready {
		noteError(ctx, postgresErr)
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, response)
}

func state(err error) string {
	if err != nil {
		return stateDown
	}
	return stateOK
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the client is gone; there is no one to tell.
	_, _ = fmt.Fprintln(w, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Encoding these fixed structs cannot fail; a write error means the
	// client is gone.
	_ = json.NewEncoder(w).Encode(body)
}
