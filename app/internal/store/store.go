// Package store records visits durably in PostgreSQL and keeps the running
// total hot in Redis.
//
// PostgreSQL is the source of truth: the total is maintained there by
// triggers (see package migrate), so it always equals the number of rows in
// visits, and carries a version that every change increments. Redis only
// caches the latest total for reads, and accepts a total only if its version
// is newer than the one it holds; losing Redis, or its data, costs latency,
// never correctness.
package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/stackctl/stackctl/app/internal/config"
)

// Store is safe for concurrent use.
type Store struct {
	db    *pgxpool.Pool
	cache *redis.Client

	// postgres and redis log reachability changes once per change rather
	// than once per failing request.
	postgres *dependency
	redis    *dependency

	// cacheVerified is false until the cached total has been checked
	// against PostgreSQL since this process started or Redis last failed:
	// a restarted Redis may reload a snapshot that lacks recent visits.
	cacheVerified atomic.Bool
}

// Open prepares the connection pools without contacting either server, so
// the web server can start (and report not ready) before PostgreSQL is up.
func Open(ctx context.Context, log *slog.Logger, cfg config.Config) (*Store, error) {
	poolConfig, err := newPoolConfig(cfg.Postgres)
	if err != nil {
		return nil, err
	}
	db, err := pgxpool.NewWithConfig(ctx, poolConfig)
	if err != nil {
		return nil, fmt.Errorf("creating postgres pool: %w", err)
	}
	redis.SetLogger(redisLogger{log: log})
	s := &Store{
		db:       db,
		postgres: newDependency(log, "postgres", postgresAnswered),
		redis:    newDependency(log, "redis", redisAnswered),
	}
	// A new connection may reach a Redis that restarted from an older
	// snapshot, without any command failing: distrust the cache until it
	// is checked against PostgreSQL again.
	s.cache = newRedisClient(cfg.RedisAddr, func() { s.cacheVerified.Store(false) })
	return s, nil
}

// Close releases both pools, waiting for connections in use to be returned.
func (s *Store) Close() error {
	s.db.Close()
	if err := s.cache.Close(); err != nil {
		return fmt.Errorf("closing redis client: %w", err)
	}
	return nil
}

// RecordVisit stores one visit and returns the total number of visits
// including it. A nil error means the visit is committed in PostgreSQL.
func (s *Store) RecordVisit(ctx context.Context, servedBy string) (int64, error) {
	total, err := s.insertVisit(ctx, servedBy)
	s.postgres.observe(err)
	if err != nil {
		return 0, fmt.Errorf("recording visit: %w", err)
	}
	// Best effort: a stale or missing cache entry is repaired by later reads.
	s.refreshCache(ctx, total)
	return total.count, nil
}

// CountVisits returns the total number of visits, from Redis when it has a
// verified value, otherwise from PostgreSQL (refilling Redis on the way).
func (s *Store) CountVisits(ctx context.Context) (int64, error) {
	cached, found, cacheErr := s.cachedTotal(ctx)
	s.observeRedis(cacheErr)
	if found && s.cacheVerified.Load() {
		return cached, nil
	}

	total, err := s.selectTotal(ctx)
	s.postgres.observe(err)
	if err != nil {
		if found {
			// Possibly stale, but better than no answer while PostgreSQL is down.
			return cached, nil
		}
		return 0, fmt.Errorf("counting visits: %w", err)
	}
	// Refill only when Redis answered: when the read just failed, Redis is
	// most likely down and writing would spend a second timeout on this
	// request. The first read after it recovers refills instead.
	if cacheErr == nil {
		s.refreshCache(ctx, total)
	}
	return total.count, nil
}

// refreshCache offers the cache a total just read from PostgreSQL; after
// that the cache holds this total or a newer one, so it can be trusted again.
func (s *Store) refreshCache(ctx context.Context, total visitTotal) {
	err := s.cacheTotal(ctx, total)
	s.observeRedis(err)
	if err == nil {
		s.cacheVerified.Store(true)
	}
}

func (s *Store) observeRedis(err error) {
	if s.redis.observe(err) {
		s.cacheVerified.Store(false)
	}
}

// PingPostgres reports whether PostgreSQL answers.
func (s *Store) PingPostgres(ctx context.Context) error {
	err := s.pingPostgres(ctx)
	s.postgres.observe(err)
	if err != nil {
		return fmt.Errorf("pinging postgres: %w", err)
	}
	return nil
}

// PingRedis reports whether Redis answers.
func (s *Store) PingRedis(ctx context.Context) error {
	err := s.pingRedis(ctx)
	s.observeRedis(err)
	if err != nil {
		return fmt.Errorf("pinging redis: %w", err)
	}
	return nil
}
