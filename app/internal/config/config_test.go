package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(vars map[string]string) LookupFunc {
	return func(key string) (string, bool) {
		value, ok := vars[key]
		return value, ok
	}
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Port: 5000,
		Postgres: Postgres{
			Host:     "db",
			Port:     5432,
			User:     "appuser",
			Database: "appdb",
		},
		RedisAddr: "cache:6379",
	}
	if cfg != want {
		t.Errorf("Load() = %+v, want %+v", cfg, want)
	}
}

func TestLoadOverrides(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"PORT":              "8080",
		"POSTGRES_HOST":     "pg.internal",
		"POSTGRES_PORT":     "6543",
		"POSTGRES_USER":     "alice",
		"POSTGRES_DB":       "visits",
		"POSTGRES_PASSWORD": "s3cret",
		"REDIS_ADDR":        "redis.internal:7000",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		Port: 8080,
		Postgres: Postgres{
			Host:     "pg.internal",
			Port:     6543,
			User:     "alice",
			Database: "visits",
			Password: "s3cret",
		},
		RedisAddr: "redis.internal:7000",
	}
	if cfg != want {
		t.Errorf("Load() = %+v, want %+v", cfg, want)
	}
}

func TestLoadEmptyValuesUseDefaults(t *testing.T) {
	cfg, err := Load(env(map[string]string{"PORT": "", "POSTGRES_HOST": ""}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Port != 5000 || cfg.Postgres.Host != "db" {
		t.Errorf("empty variables: got port %d host %q, want defaults", cfg.Port, cfg.Postgres.Host)
	}
}

func TestLoadPasswordFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pg_password")
	if err := os.WriteFile(path, []byte("from file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(env(map[string]string{"POSTGRES_PASSWORD_FILE": path}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Postgres.Password != "from file" {
		t.Errorf("password = %q, want %q (trailing newline trimmed, inner space kept)", cfg.Postgres.Password, "from file")
	}
}

func TestLoadPasswordFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent")
	_, err := Load(env(map[string]string{"POSTGRES_PASSWORD_FILE": path}))
	if err == nil || !strings.Contains(err.Error(), "POSTGRES_PASSWORD_FILE") {
		t.Fatalf("Load with a missing password file: err = %v, want an error naming POSTGRES_PASSWORD_FILE", err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap the not-exist cause", err)
	}
}

func TestLoadPasswordAndFileBothSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pg_password")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(env(map[string]string{
		"POSTGRES_PASSWORD":      "inline",
		"POSTGRES_PASSWORD_FILE": path,
	}))
	if err == nil || !strings.Contains(err.Error(), "both set") {
		t.Fatalf("Load with both password sources: err = %v, want a 'both set' error", err)
	}
}

func TestLoadRejectsBadPorts(t *testing.T) {
	for _, tc := range []struct{ key, value string }{
		{"PORT", "http"},
		{"PORT", "0"},
		{"PORT", "65536"},
		{"PORT", "-1"},
		{"POSTGRES_PORT", "five"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			_, err := Load(env(map[string]string{tc.key: tc.value}))
			if err == nil {
				t.Fatalf("Load accepted %s=%q", tc.key, tc.value)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %q does not name %s", err, tc.key)
			}
		})
	}
}

func TestLoadRejectsRedisAddrWithoutPort(t *testing.T) {
	if _, err := Load(env(map[string]string{"REDIS_ADDR": "cache"})); err == nil {
		t.Fatal("Load accepted REDIS_ADDR without a port")
	}
}

func TestHTTPPortIgnoresDatabaseSettings(t *testing.T) {
	port, err := HTTPPort(env(map[string]string{
		"PORT":                   "7000",
		"POSTGRES_PASSWORD":      "a",
		"POSTGRES_PASSWORD_FILE": "/nonexistent",
	}))
	if err != nil || port != 7000 {
		t.Fatalf("HTTPPort = %d, %v; want 7000, nil", port, err)
	}
}

func TestConfigNeverShowsPassword(t *testing.T) {
	const password = "hunter2-very-secret"
	cfg, err := Load(env(map[string]string{"POSTGRES_PASSWORD": password}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "config", cfg, "postgres", cfg.Postgres)
	for name, text := range map[string]string{
		"%v":   fmt.Sprintf("%v", cfg),
		"%+v":  fmt.Sprintf("%+v", cfg),
		"%s":   fmt.Sprintf("%s", cfg.Postgres),
		"slog": logged.String(),
	} {
		if strings.Contains(text, password) {
			t.Errorf("%s output leaks the password: %s", name, text)
		}
		if !strings.Contains(text, "appuser") {
			t.Errorf("%s output lacks the user, so it is not describing the config: %s", name, text)
		}
	}
}
