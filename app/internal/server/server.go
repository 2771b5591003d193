// Package server serves the app's HTTP API.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// requestTimeout bounds the work behind one request. It sits below
// WriteTimeout so a slow request still gets its 503 written.
const requestTimeout = 3 * time.Second

const (
	readHeaderTimeout = 2 * time.Second
	readTimeout       = 5 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
)

// NewHandler routes the app's endpoints. hostname identifies this replica
// in responses and in the visits it records.
func NewHandler(log *slog.Logger, store Store, hostname string) http.Handler {
	h := handlers{store: store, hostname: hostname}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.index)
	mux.HandleFunc("GET /api/stats", h.stats)
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("GET /readyz", h.readyz)
	return logRequests(log, limitDuration(requestTimeout, mux))
}

// New returns an HTTP server for handler on port, with every timeout set:
// net/http's zero values mean "wait forever".
func New(log *slog.Logger, handler http.Handler, port int) *http.Server {
	return &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(port)),
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelError),
	}
}

// Run serves until ctx is cancelled, then stops accepting connections and
// gives in-flight requests up to shutdownTimeout to finish before cutting
// them off.
func Run(ctx context.Context, log *slog.Logger, srv *http.Server, shutdownTimeout time.Duration) error {
	// Listen before serving so a taken port fails here, and "listening" is
	// logged only once it is true.
	listener, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", srv.Addr, err)
	}
	return serve(ctx, log, srv, listener, shutdownTimeout)
}

func serve(ctx context.Context, log *slog.Logger, srv *http.Server, listener net.Listener, shutdownTimeout time.Duration) error {
	log.Info("listening", "addr", listener.Addr().String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()

	select {
	case err := <-served:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}

	log.Info("shutting down", "grace", shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		closeErr := srv.Close()
		return fmt.Errorf("shutting down http server: %w", errors.Join(err, closeErr))
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving http: %w", err)
	}
	log.Info("stopped")
	return nil
}
