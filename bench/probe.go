package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/docker/docker/client"
)

// Probe cadences. Fast enough that the probe's own gap is small next to
// what is measured, slow enough not to load a 2-core machine.
const (
	webGap  = 10 * time.Millisecond
	pgGap   = 10 * time.Millisecond
	execGap = 20 * time.Millisecond
)

// pgIsReady is the readiness check both tools' db healthcheck runs, run
// directly (without the healthcheck's shell) for every db-ready measurement.
var pgIsReady = []string{"pg_isready", "-U", "appuser", "-h", "127.0.0.1"}

// poll calls check every gap until it reports done or fails, or ctx ends.
func poll(ctx context.Context, gap time.Duration, check func(context.Context) (bool, error)) error {
	t := time.NewTicker(gap)
	defer t.Stop()
	for {
		done, err := check(ctx)
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// newWebClient makes a client that opens a new connection per request, so
// each request says whether web accepts connections at that moment, and that
// never goes through a proxy.
func newWebClient() *http.Client {
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
	}
}

// probeDialTimeout bounds one connection attempt while waiting for a stack
// to answer. A SYN sent while a container's network is still being set up
// can be lost, and TCP would send it again only after a second; a fresh
// attempt webGap later costs far less. Loopback connections take
// microseconds, so the bound never cuts a working one short.
const probeDialTimeout = 100 * time.Millisecond

// newProbeClient is newWebClient with connection attempts bounded by
// probeDialTimeout, for waiting until a stack serves from nothing. The
// other scenarios keep newWebClient, so their numbers stay comparable with
// earlier runs; the redeploy's client loop must not count a slow
// connection as a failed request anyway.
func newProbeClient() *http.Client {
	dialer := &net.Dialer{Timeout: probeDialTimeout}
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil, DialContext: dialer.DialContext},
	}
}

// getOK reports whether GET url answered 200. Failing to connect or a non-200
// answer is "not yet", not an error.
func getOK(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// webAttempts bounds the attempts waitWeb has under way at once.
const webAttempts = 32

// waitWeb returns when GET url answers 200, with the time the answer came.
// A new attempt starts every webGap while earlier ones still wait: one
// whose connection hangs (a SYN lost while a container's network is being
// set up, between the client and the engine's port proxy or between the
// proxy and the container, which TCP sends again only after a second)
// holds none of the others up, so the time is the stack's, not TCP's.
func waitWeb(ctx context.Context, client *http.Client, url string) (time.Time, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answered := make(chan time.Time, 1)
	underWay := make(chan struct{}, webAttempts)
	tick := time.NewTicker(webGap)
	defer tick.Stop()
	for {
		select {
		case underWay <- struct{}{}:
			go func() {
				defer func() { <-underWay }()
				if getOK(ctx, client, url) {
					select {
					case answered <- time.Now():
					default:
					}
				}
			}()
		default: // as many under way as allowed: the next tick tries again
		}
		select {
		case at := <-answered:
			return at, nil
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("wait for %s to answer 200: %w", url, ctx.Err())
		case <-tick.C:
		}
	}
}

// waitPgExec returns when pg_isready passes inside the container.
func waitPgExec(ctx context.Context, eng *client.Client, container string) error {
	err := poll(ctx, execGap, func(ctx context.Context) (bool, error) {
		code, err := execExitCode(ctx, eng, container, pgIsReady)
		// An exec into a container that is (re)starting fails; that is
		// "not yet" as long as ctx lives.
		return err == nil && code == 0, nil
	})
	if err != nil {
		return fmt.Errorf("wait for pg_isready in %s: %w", container, err)
	}
	return nil
}

// waitPgTCP returns when PostgreSQL at addr accepts connections.
func waitPgTCP(ctx context.Context, addr string) error {
	err := poll(ctx, pgGap, func(ctx context.Context) (bool, error) {
		return pgAccepting(ctx, addr)
	})
	if err != nil {
		return fmt.Errorf("wait for PostgreSQL at %s: %w", addr, err)
	}
	return nil
}

// sqlstateCannotConnectNow is PostgreSQL's "the database system is starting
// up" (or shutting down): listening, but not accepting yet.
const sqlstateCannotConnectNow = "57P03"

// pgAccepting does what pg_isready does, over TCP: send a startup message
// and see whether the server asks for authentication (accepting) or says it
// cannot accept connections now. A refused or closed connection (docker-proxy
// accepts before postgres listens) is "not yet".
func pgAccepting(ctx context.Context, addr string) (bool, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false, nil
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write(startupMessage("appuser", "appdb")); err != nil {
		return false, nil
	}
	var header [5]byte
	if _, err := io.ReadFull(conn, header[:]); err != nil {
		return false, nil
	}
	switch header[0] {
	case 'R':
		return true, nil
	case 'E':
		n := int(binary.BigEndian.Uint32(header[1:])) - 4
		if n < 0 || n > 64<<10 {
			return false, fmt.Errorf("postgres at %s: error message of %d bytes", addr, n)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(conn, body); err != nil {
			return false, nil
		}
		// Any other error (a wrong user, say) still means the server is
		// accepting connections, as pg_isready counts it.
		return errorField(body, 'C') != sqlstateCannotConnectNow, nil
	}
	return false, fmt.Errorf("postgres at %s: unexpected reply %q to a startup message", addr, header[0])
}

func startupMessage(user, database string) []byte {
	params := "user\x00" + user + "\x00database\x00" + database + "\x00\x00"
	msg := make([]byte, 8, 8+len(params))
	binary.BigEndian.PutUint32(msg[0:], uint32(8+len(params)))
	binary.BigEndian.PutUint32(msg[4:], 3<<16) // protocol 3.0
	return append(msg, params...)
}

// errorField returns one field of an ErrorResponse body: a type byte and a
// NUL-terminated string per field, a NUL at the end.
func errorField(body []byte, field byte) string {
	for len(body) > 1 {
		kind := body[0]
		end := bytes.IndexByte(body[1:], 0)
		if end < 0 {
			return ""
		}
		if kind == field {
			return string(body[1 : 1+end])
		}
		body = body[2+end:]
	}
	return ""
}

// errNotRunning is a container the benchmark needs running that is not.
var errNotRunning = errors.New("not running")
