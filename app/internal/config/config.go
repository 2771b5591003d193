// Package config reads the service's settings from the environment.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
)

// Defaults match the service names of the compose stack the app runs in.
const (
	defaultPort             = 5000
	defaultPostgresHost     = "db"
	defaultPostgresPort     = 5432
	defaultPostgresUser     = "appuser"
	defaultPostgresDatabase = "appdb"
	defaultRedisAddr        = "cache:6379"
)

// LookupFunc reports the value of an environment variable and whether it is
// set; os.LookupEnv satisfies it, and tests pass a map instead.
type LookupFunc func(key string) (string, bool)

// Config is everything the app needs to run.
type Config struct {
	// Port is the TCP port the HTTP server listens on.
	Port      int
	Postgres  Postgres
	RedisAddr string
}

// Postgres holds the parts of a PostgreSQL connection. They stay separate
// (rather than one URL) so the password never ends up in a loggable string.
type Postgres struct {
	Host     string
	Port     int
	User     string
	Database string
	Password string
}

// Load reads and validates the configuration.
func Load(lookup LookupFunc) (Config, error) {
	port, err := HTTPPort(lookup)
	if err != nil {
		return Config{}, err
	}
	pgPort, err := portFromEnv(lookup, "POSTGRES_PORT", defaultPostgresPort)
	if err != nil {
		return Config{}, err
	}
	password, err := postgresPassword(lookup)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{
		Port: port,
		Postgres: Postgres{
			Host:     stringFromEnv(lookup, "POSTGRES_HOST", defaultPostgresHost),
			Port:     pgPort,
			User:     stringFromEnv(lookup, "POSTGRES_USER", defaultPostgresUser),
			Database: stringFromEnv(lookup, "POSTGRES_DB", defaultPostgresDatabase),
			Password: password,
		},
		RedisAddr: stringFromEnv(lookup, "REDIS_ADDR", defaultRedisAddr),
	}
	if _, _, err := net.SplitHostPort(cfg.RedisAddr); err != nil {
		return Config{}, fmt.Errorf("REDIS_ADDR %q is not host:port: %w", cfg.RedisAddr, err)
	}
	return cfg, nil
}

// HTTPPort reads only PORT, for the healthcheck subcommand, which must not
// depend on database settings (or secrets) being readable.
func HTTPPort(lookup LookupFunc) (int, error) {
	return portFromEnv(lookup, "PORT", defaultPort)
}

// String describes the configuration with the password masked, so logging a
// Config with %v or %s is safe.
func (c Config) String() string {
	return fmt.Sprintf("port=%d postgres=%s redis=%s", c.Port, c.Postgres, c.RedisAddr)
}

// LogValue keeps slog from serialising the password field by reflection.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("port", c.Port),
		slog.String("postgres", c.Postgres.String()),
		slog.String("redis", c.RedisAddr),
	)
}

// String describes the connection with the password masked.
func (p Postgres) String() string {
	password := "unset"
	if p.Password != "" {
		password = "set"
	}
	return fmt.Sprintf("%s@%s/%s (password %s)",
		p.User, net.JoinHostPort(p.Host, strconv.Itoa(p.Port)), p.Database, password)
}

// LogValue keeps slog from serialising the password field by reflection.
func (p Postgres) LogValue() slog.Value {
	return slog.StringValue(p.String())
}

// stringFromEnv treats an empty variable like an unset one, as compose files
// often pass through variables that are set but empty.
func stringFromEnv(lookup LookupFunc, key, fallback string) string {
	if value, ok := lookup(key); ok && value != "" {
		return value
	}
	return fallback
}

func portFromEnv(lookup LookupFunc, key string, fallback int) (int, error) {
	raw, ok := lookup(key)
	if !ok || raw == "" {
		return fallback, nil
	}
	port, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || port < 1 || port > 65535 {
		return 0, fmt.Errorf("%s=%q: want a port number between 1 and 65535", key, raw)
	}
	return port, nil
}

// postgresPassword follows the postgres image's convention: the password comes
// from POSTGRES_PASSWORD or from the file named by POSTGRES_PASSWORD_FILE (a
// Docker secret), never both. An empty password is allowed for trust auth.
func postgresPassword(lookup LookupFunc) (string, error) {
	password := stringFromEnv(lookup, "POSTGRES_PASSWORD", "")
	file := stringFromEnv(lookup, "POSTGRES_PASSWORD_FILE", "")
	switch {
	case password != "" && file != "":
		return "", errors.New("POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are both set; set only one")
	case file != "":
		content, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading POSTGRES_PASSWORD_FILE: %w", err)
		}
		// Editors and `echo` add a trailing newline that is not part of the secret.
		return strings.TrimRight(string(content), "\r\n"), nil
	default:
		return password, nil
	}
}
