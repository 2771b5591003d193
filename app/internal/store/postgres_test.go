package store

import (
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/app/internal/config"
)

var testPostgres = config.Postgres{
	Host:     "db",
	Port:     5432,
	User:     "app user",
	Database: "appdb",
	Password: "p@ss:word/with?odd&chars",
}

func TestConnConfigKeepsPasswordOutOfConnString(t *testing.T) {
	if s := connString(testPostgres); strings.Contains(s, "word") {
		t.Errorf("connection string %q contains the password", s)
	}
	cfg, err := ConnConfig(testPostgres)
	if err != nil {
		t.Fatalf("ConnConfig: %v", err)
	}
	if cfg.Host != "db" || cfg.Port != 5432 || cfg.User != "app user" || cfg.Database != "appdb" {
		t.Errorf("parsed %s:%d user %q db %q", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	}
	if cfg.Password != testPostgres.Password {
		t.Errorf("password not carried over intact")
	}
	if cfg.ConnectTimeout != postgresConnectTimeout {
		t.Errorf("ConnectTimeout = %s, want %s", cfg.ConnectTimeout, postgresConnectTimeout)
	}
	if cfg.TLSConfig != nil || len(cfg.Fallbacks) != 0 {
		t.Errorf("TLS or fallbacks configured: each failed connect would cost extra round trips")
	}
}

func TestPoolConfigIsExplicit(t *testing.T) {
	cfg, err := newPoolConfig(testPostgres)
	if err != nil {
		t.Fatalf("newPoolConfig: %v", err)
	}
	if cfg.MinConns != 0 {
		t.Errorf("MinConns = %d, want 0 so startup never waits for the database", cfg.MinConns)
	}
	if cfg.MaxConns != poolMaxConns {
		t.Errorf("MaxConns = %d, want %d", cfg.MaxConns, poolMaxConns)
	}
	for name, d := range map[string]time.Duration{
		"MaxConnLifetime":   cfg.MaxConnLifetime,
		"MaxConnIdleTime":   cfg.MaxConnIdleTime,
		"HealthCheckPeriod": cfg.HealthCheckPeriod,
		"PingTimeout":       cfg.PingTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s unset", name)
		}
	}
	if cfg.ConnConfig.Password != testPostgres.Password {
		t.Error("pool config lacks the password")
	}
}
