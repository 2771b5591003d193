package store

import (
	"context"
	"errors"
	"net"
	"time"
)

// postgresDialAttempt bounds the first attempt to open a connection to
// PostgreSQL; each next one gets twice as long. A SYN sent while a
// container's network is still being set up can be lost, and TCP sends it
// again only after a second; on the stack's private network a connection
// opens in well under a millisecond, so a new attempt after a short wait
// costs far less than that second, and the doubling still lets a slow
// name lookup or a loaded server through within the connect timeout.
const postgresDialAttempt = 200 * time.Millisecond

// dialRetrying opens a connection, trying again at once when an attempt
// times out, until ctx (the connect timeout) ends. Any other failure
// (refused, unreachable) is returned as it is.
func dialRetrying(ctx context.Context, network, addr string) (net.Conn, error) {
	timeout := postgresDialAttempt
	return retryTimeouts(ctx, func(ctx context.Context) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
		timeout *= 2
		return d.DialContext(ctx, network, addr)
	})
}

// retryTimeouts calls attempt until it connects, fails otherwise than by a
// timeout, or ctx ends.
func retryTimeouts(ctx context.Context, attempt func(context.Context) (net.Conn, error)) (net.Conn, error) {
	for {
		conn, err := attempt(ctx)
		if err == nil {
			return conn, nil
		}
		var netErr net.Error
		if ctx.Err() != nil || !errors.As(err, &netErr) || !netErr.Timeout() {
			return nil, err
		}
	}
}
