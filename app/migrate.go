package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/stackctl/stackctl/app/internal/config"
	"github.com/stackctl/stackctl/app/internal/migrate"
	"github.com/stackctl/stackctl/app/internal/store"
)

// migrateConnectWait covers PostgreSQL's start-up when the migrate job is
// started alongside the database.
const migrateConnectWait = 30 * time.Second

func migrateSchema(ctx context.Context, log *slog.Logger) error {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("loading config: %w", err)
	}
	connConfig, err := store.ConnConfig(cfg.Postgres)
	if err != nil {
		return err
	}
	log.Info("migrating", "postgres", cfg.Postgres)
	if err := migrate.Run(ctx, log, connConfig, migrateConnectWait); err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	return nil
}
