package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stackctl/stackctl/app/internal/config"
)

// Pool settings. MinConns is 0 so an idle replica holds no connections and
// a database restart leaves nothing stale behind that a request could pick
// up; pgxpool reconnects on demand.
const (
	postgresConnectTimeout    = 2 * time.Second
	postgresPingTimeout       = time.Second
	poolMaxConns              = 10
	poolMinConns              = 0
	poolMaxConnLifetime       = 30 * time.Minute
	poolMaxConnLifetimeJitter = 5 * time.Minute
	poolMaxConnIdleTime       = 5 * time.Minute
	poolHealthCheckPeriod     = 15 * time.Second
)

// errMissingTotal means the schema was not (fully) migrated.
var errMissingTotal = errors.New("reading visit total: visit_totals has no row; run `app migrate`")

const (
	insertVisitSQL = `INSERT INTO visits (served_by) VALUES ($1)`
	// visit_totals has exactly one row, kept equal to count(*) of visits by
	// triggers, so reading the total costs O(1) however many visits exist.
	selectTotalSQL = `SELECT total, version FROM visit_totals`
)

// visitTotal is the number of visits as of one version of visit_totals.
// Versions increase with every change in the order PostgreSQL applied them,
// which tells a newer total from an older one even after deletions.
type visitTotal struct {
	count   int64
	version int64
}

// ConnConfig returns the settings for a single PostgreSQL connection.
func ConnConfig(pg config.Postgres) (*pgx.ConnConfig, error) {
	connConfig, err := pgx.ParseConfig(connString(pg))
	if err != nil {
		return nil, fmt.Errorf("building postgres connection config: %w", err)
	}
	connConfig.Password = pg.Password
	connConfig.DialFunc = dialRetrying
	return connConfig, nil
}

func newPoolConfig(pg config.Postgres) (*pgxpool.Config, error) {
	poolConfig, err := pgxpool.ParseConfig(connString(pg))
	if err != nil {
		return nil, fmt.Errorf("building postgres pool config: %w", err)
	}
	poolConfig.ConnConfig.Password = pg.Password
	poolConfig.ConnConfig.DialFunc = dialRetrying
	poolConfig.MaxConns = poolMaxConns
	poolConfig.MinConns = poolMinConns
	poolConfig.MaxConnLifetime = poolMaxConnLifetime
	poolConfig.MaxConnLifetimeJitter = poolMaxConnLifetimeJitter
	poolConfig.MaxConnIdleTime = poolMaxConnIdleTime
	poolConfig.HealthCheckPeriod = poolHealthCheckPeriod
	// Connections idle for a second or more are pinged before use (pgxpool's
	// default); bound that ping so a dead server cannot stall a request.
	poolConfig.PingTimeout = postgresPingTimeout
	return poolConfig, nil
}

// connString deliberately leaves the password out: the string may appear in
// parse errors, and the password is set on the parsed config instead.
func connString(pg config.Postgres) string {
	u := url.URL{
		Scheme: "postgres",
		User:   url.User(pg.User),
		Host:   net.JoinHostPort(pg.Host, strconv.Itoa(pg.Port)),
		Path:   "/" + pg.Database,
	}
	query := url.Values{}
	// The database is reached over the compose stack's private network.
	query.Set("sslmode", "disable")
	query.Set("connect_timeout", strconv.Itoa(int(postgresConnectTimeout/time.Second)))
	query.Set("application_name", "stackctl-app")
	u.RawQuery = query.Encode()
	return u.String()
}

// insertVisit commits one visit and returns the total including it. The
// insert's trigger updates the single visit_totals row, which stays locked
// until commit, so the total read in the same transaction is exactly this
// visit's position even under concurrent requests.
func (s *Store) insertVisit(ctx context.Context, servedBy string) (visitTotal, error) {
	var total visitTotal
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertVisitSQL, servedBy); err != nil {
			return fmt.Errorf("inserting visit: %w", err)
		}
		return scanTotal(tx.QueryRow(ctx, selectTotalSQL), &total)
	})
	if err != nil {
		return visitTotal{}, err
	}
	return total, nil
}

func (s *Store) selectTotal(ctx context.Context) (visitTotal, error) {
	var total visitTotal
	if err := scanTotal(s.db.QueryRow(ctx, selectTotalSQL), &total); err != nil {
		return visitTotal{}, err
	}
	return total, nil
}

func scanTotal(row pgx.Row, total *visitTotal) error {
	err := row.Scan(&total.count, &total.version)
	if errors.Is(err, pgx.ErrNoRows) {
		return errMissingTotal
	}
	if err != nil {
		return fmt.Errorf("reading visit total: %w", err)
	}
	return nil
}

func (s *Store) pingPostgres(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, postgresPingTimeout)
	defer cancel()
	return s.db.Ping(ctx)
}

// postgresAnswered reports whether err came from the server answering (a
// SQL error, or a query result the schema should not allow), which proves
// PostgreSQL is reachable even though the operation failed.
func postgresAnswered(err error) bool {
	var serverErr *pgconn.PgError
	return errors.As(err, &serverErr) || errors.Is(err, errMissingTotal)
}
