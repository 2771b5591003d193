package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Redis is only a cache, so every request bounds its time there tightly and
// never retries: a dead Redis must cost a request milliseconds, not seconds.
const (
	redisDialTimeout   = 200 * time.Millisecond
	redisIOTimeout     = 200 * time.Millisecond
	redisPoolTimeout   = 200 * time.Millisecond
	redisPoolSize      = 10
	redisConnIdleTime  = 5 * time.Minute
	redisRequestBudget = 300 * time.Millisecond
)

// The cache is one hash, {total, version}: the latest total PostgreSQL
// reported and that total's version.
const (
	totalKey = "stackctl:visits"
	// totalTTL bounds how long the cache can outlive the database it
	// mirrors: a recreated database restarts versions from zero, and the
	// cache refuses those until its entry expires.
	totalTTL = time.Minute
)

// storeIfNewer stores a total unless the cache holds a newer one: requests
// finish in any order, and a slow one must not roll the cache back.
// KEYS[1] is the hash; ARGV holds the version, the total and the TTL in
// seconds. Returns 1 if it stored the total.
var storeIfNewer = redis.NewScript(`
local cached = tonumber(redis.call('HGET', KEYS[1], 'version'))
if cached ~= nil and cached >= tonumber(ARGV[1]) then
	return 0
end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'total', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`)

func newRedisClient(addr string, onConnect func()) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: addr,
		OnConnect: func(context.Context, *redis.Conn) error {
			onConnect()
			return nil
		},
		DialTimeout:  redisDialTimeout,
		ReadTimeout:  redisIOTimeout,
		WriteTimeout: redisIOTimeout,
		// One dial attempt and no command retries (-1, since 0 means the
		// default of 3): the database answers the request if Redis cannot.
		DialerRetries:         1,
		MaxRetries:            -1,
		PoolSize:              redisPoolSize,
		PoolTimeout:           redisPoolTimeout,
		MinIdleConns:          0,
		ConnMaxIdleTime:       redisConnIdleTime,
		ContextTimeoutEnabled: true,
		// Skip handshake extras (CLIENT SETINFO, maintenance notifications)
		// that a plain Redis 7.0 rejects, each costing a round trip per dial.
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	})
}

// cachedTotal returns the cached total and whether there was one.
func (s *Store) cachedTotal(ctx context.Context) (int64, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, redisRequestBudget)
	defer cancel()
	raw, err := s.cache.HGet(ctx, totalKey, "total").Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("reading cached visit total: %w", err)
	}
	total, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		// Treat garbage as a miss so the value is rewritten from PostgreSQL.
		return 0, false, nil
	}
	return total, true, nil
}

func (s *Store) cacheTotal(ctx context.Context, total visitTotal) error {
	ctx, cancel := context.WithTimeout(ctx, redisRequestBudget)
	defer cancel()
	ttlSeconds := int64(totalTTL / time.Second)
	err := storeIfNewer.Run(ctx, s.cache, []string{totalKey}, total.version, total.count, ttlSeconds).Err()
	if err != nil {
		return fmt.Errorf("caching visit total: %w", err)
	}
	return nil
}

func (s *Store) pingRedis(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, redisRequestBudget)
	defer cancel()
	return s.cache.Ping(ctx).Err()
}

// redisAnswered reports whether err is a reply from the Redis server (which
// includes redis.Nil, "no such key"), proving Redis is reachable.
func redisAnswered(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply)
}

// redisLogger sends go-redis's own diagnostics (one per failed dial, say) to
// slog at debug level: outages are already logged once by dependency.
type redisLogger struct {
	log *slog.Logger
}

func (l redisLogger) Printf(ctx context.Context, format string, args ...any) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.log.DebugContext(ctx, fmt.Sprintf(format, args...), "component", "go-redis")
}
