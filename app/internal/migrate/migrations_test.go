package migrate

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestMigrationVersionsAreConsecutiveFromOne(t *testing.T) {
	// apply skips everything at or below the recorded version, so versions
	// out of order or duplicated would silently never run.
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migrations[%d] has version %d, want %d", i, m.version, i+1)
		}
		if m.name == "" || m.sql == "" {
			t.Errorf("migration %d lacks a name or SQL", m.version)
		}
	}
}

func TestPermanent(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"bad password", &pgconn.PgError{Code: "28P01"}, true},
		{"no such role", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "28000"}), true},
		{"no such database", &pgconn.PgError{Code: "3D000"}, true},
		{"server starting up", &pgconn.PgError{Code: "57P03"}, false},
		{"connection refused", errors.New("dial tcp 10.0.0.2:5432: connect: connection refused"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := permanent(tc.err); got != tc.want {
				t.Errorf("permanent(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
