package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

func logMessages(t *testing.T, logs *bytes.Buffer) []string {
	t.Helper()
	var messages []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var entry struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		messages = append(messages, entry.Msg)
	}
	return messages
}

func TestDependencyLogsEachChangeOnce(t *testing.T) {
	var logs bytes.Buffer
	d := newDependency(slog.New(slog.NewJSONHandler(&logs, nil)), "postgres", postgresAnswered)
	refused := errors.New("dial tcp: connection refused")

	d.observe(nil)
	d.observe(nil)
	d.observe(refused)
	d.observe(refused)
	d.observe(refused)
	d.observe(context.Canceled) // the client left: no news about postgres
	d.observe(nil)
	d.observe(nil)

	got := logMessages(t, &logs)
	want := []string{"postgres reachable", "postgres unreachable", "postgres reachable again"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logged %q, want %q", got, want)
	}
}

func TestDependencyReportsOutages(t *testing.T) {
	d := newDependency(slog.New(slog.NewJSONHandler(io.Discard, nil)), "redis", redisAnswered)
	for _, step := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{redis.Nil, false}, // a miss is an answer
		{errors.New("dial tcp: connection refused"), true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false}, // the caller gave up: no news
		{nil, false},
	} {
		if got := d.observe(step.err); got != step.want {
			t.Errorf("observe(%v) = %v, want %v", step.err, got, step.want)
		}
	}
}

func TestDependencyServerErrorsProveReachability(t *testing.T) {
	var logs bytes.Buffer
	d := newDependency(slog.New(slog.NewJSONHandler(&logs, nil)), "postgres", postgresAnswered)
	d.observe(errors.New("dial tcp: connection refused"))
	// A SQL error means the server answered, so the outage is over.
	d.observe(fmt.Errorf("inserting visit: %w", &pgconn.PgError{Code: "42P01", Message: `relation "visits" does not exist`}))

	got := logMessages(t, &logs)
	want := []string{"postgres unreachable", "postgres reachable again"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("logged %q, want %q", got, want)
	}
}

func TestAnswered(t *testing.T) {
	refused := errors.New("dial tcp: connection refused")
	for _, tc := range []struct {
		name     string
		answered func(error) bool
		err      error
		want     bool
	}{
		{"postgres SQL error", postgresAnswered, &pgconn.PgError{Code: "23505"}, true},
		{"postgres schema not migrated", postgresAnswered, fmt.Errorf("counting: %w", errMissingTotal), true},
		{"postgres refused", postgresAnswered, refused, false},
		{"postgres timeout", postgresAnswered, context.DeadlineExceeded, false},
		{"redis miss", redisAnswered, redis.Nil, true},
		{"redis refused", redisAnswered, refused, false},
		{"redis pool timeout", redisAnswered, redis.ErrPoolTimeout, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.answered(tc.err); got != tc.want {
				t.Errorf("answered(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
