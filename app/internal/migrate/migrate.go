// Package migrate creates and upgrades the database schema. It runs as its
// own one-shot command before the web servers start; they never run DDL.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// advisoryLockKey serialises concurrent migrate runs (say, two replicas of
// the migrate job); any constant works as long as every run uses the same.
const advisoryLockKey int64 = 0x737461636b63746c // "stackctl"

// retryInterval is the pause between connection attempts while PostgreSQL
// is starting.
const retryInterval = time.Second

const createSchemaMigrationsSQL = `
CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Run connects to PostgreSQL, retrying for up to connectWait while it starts
// up, and applies every migration not applied yet.
func Run(ctx context.Context, log *slog.Logger, connConfig *pgx.ConnConfig, connectWait time.Duration) error {
	conn, err := connect(ctx, log, connConfig, connectWait)
	if err != nil {
		return err
	}
	defer func() {
		// The outcome is already decided; a failed goodbye changes nothing.
		_ = conn.Close(context.WithoutCancel(ctx))
	}()
	return apply(ctx, log, conn, migrations)
}

// connect retries transient failures (refused, timed out, server starting)
// until connectWait has passed, and gives up at once on errors that waiting
// cannot fix, such as a wrong password.
func connect(ctx context.Context, log *slog.Logger, connConfig *pgx.ConnConfig, connectWait time.Duration) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, connectWait)
	defer cancel()
	for attempt := 1; ; attempt++ {
		conn, err := pgx.ConnectConfig(ctx, connConfig)
		if err == nil {
			return conn, nil
		}
		if permanent(err) {
			return nil, fmt.Errorf("connecting to postgres: %w", err)
		}
		log.Info("waiting for postgres", "attempt", attempt, "error", err.Error())
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connecting to postgres: gave up after %s: %w", connectWait, err)
		case <-time.After(retryInterval):
		}
	}
}

// permanent reports errors from a running server that retrying cannot fix:
// bad credentials (SQLSTATE class 28) or a missing database (3D000).
func permanent(err error) bool {
	var serverErr *pgconn.PgError
	if !errors.As(err, &serverErr) {
		return false
	}
	return strings.HasPrefix(serverErr.Code, "28") || serverErr.Code == "3D000"
}

// apply runs all pending migrations in one transaction, so a failure leaves
// the schema as it was. The transaction-scoped advisory lock makes a
// concurrent run wait here, then find nothing left to do.
func apply(ctx context.Context, log *slog.Logger, conn *pgx.Conn, pending []migration) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", advisoryLockKey); err != nil {
			return fmt.Errorf("taking migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, createSchemaMigrationsSQL); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return fmt.Errorf("reading schema version: %w", err)
		}
		applied := 0
		for _, m := range pending {
			if m.version <= current {
				continue
			}
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("applying migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return fmt.Errorf("recording migration %d (%s): %w", m.version, m.name, err)
			}
			log.Info("applied migration", "version", m.version, "name", m.name)
			applied++
			current = m.version
		}
		log.Info("schema up to date", "version", current, "applied", applied)
		return nil
	})
}
