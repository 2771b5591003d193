package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/stackctl/stackctl/app/internal/config"
	"github.com/stackctl/stackctl/app/internal/server"
	"github.com/stackctl/stackctl/app/internal/store"
)

// shutdownGrace is how long in-flight requests get after SIGTERM; it stays
// under the orchestrator's 10 s stop grace so the pools close cleanly
// before a SIGKILL.
const shutdownGrace = 8 * time.Second

// serve runs the web server. It does not wait for PostgreSQL or Redis: the
// pools connect on demand, and /readyz reports when the app can serve.
func serve(ctx context.Context, log *slog.Logger) error {
	cfg, err := config.Load(os.LookupEnv)
	if err != nil {
		return fmt.Errorf("loading config: %w", err)
	}
	hostname, err := os.Hostname()
	if err != nil {
		log.Warn("cannot read hostname; reporting it as unknown", "error", err.Error())
		hostname = "unknown"
	}
	log.Info("starting", "config", cfg, "served_by", hostname)

	visits, err := store.Open(ctx, log, cfg)
	if err != nil {
		return fmt.Errorf("opening store: %w", err)
	}
	defer func() {
		if err := visits.Close(); err != nil {
			log.Warn("closing store", "error", err.Error())
		}
	}()

	srv := server.New(log, server.NewHandler(log, visits, hostname), cfg.Port)
	return server.Run(ctx, log, srv, shutdownGrace)
}
