package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// probePaths are hit every few seconds by orchestrators; logging them at
// info level would drown the real traffic.
var probePaths = map[string]bool{"/healthz": true, "/readyz": true}

// requestOutcome carries a handler's error to the access log, so that each
// request produces exactly one log line.
type requestOutcome struct {
	err error
}

type outcomeKey struct{}

// noteError attaches err to the request's access log line.
func noteError(ctx context.Context, err error) {
	if outcome, ok := ctx.Value(outcomeKey{}).(*requestOutcome); ok {
		outcome.err = err
	}
}

// logRequests writes one line per request: method, path, status, duration,
// and the handler's error if it noted one.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		outcome := &requestOutcome{}
		recorder := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(recorder, r.WithContext(context.WithValue(r.Context(), outcomeKey{}, outcome)))

		status := recorder.statusCode()
		level := slog.LevelInfo
		if probePaths[r.URL.Path] && status == http.StatusOK {
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if outcome.err != nil {
			attrs = append(attrs, slog.String("error", outcome.err.Error()))
		}
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// limitDuration gives every request a deadline, so a hung dependency cannot
// hold a request (and its connection) beyond timeout.
func limitDuration(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusRecorder remembers the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(body []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(body)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter {
	return s.ResponseWriter
}

func (s *statusRecorder) statusCode() int {
	if s.status == 0 {
		// Nothing written: net/http sends 200 with an empty body.
		return http.StatusOK
	}
	return s.status
}
