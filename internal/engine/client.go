// Package engine adapts the Docker SDK client to the small set of operations
// stackctl needs, in stackctl's own terms (internal/stack types in, plain
// structs out), and turns the engine's errors into ones callers can tell apart.
package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/client"
)

// Client is a Docker engine, reached through DOCKER_HOST and friends, with
// the API version negotiated on first contact.
type Client struct {
	api *client.Client
	// host is the engine's address as configured: an ssh:// host's
	// client speaks to a placeholder HTTP host through the ssh command.
	host string
	// ping is the engine's answer to the first ping: its OS and API
	// version decide which builder builds.
	ping types.Ping
}

// New connects to the engine the docker CLI would use (see
// ResolveConnection: the current docker context, DOCKER_HOST and friends)
// and checks that it answers, so every later error is about the work, not
// the connection.
func New(ctx context.Context) (*Client, error) { return Dial(ctx, "") }

// Dial is New for the docker context named (--context; "" resolves it as
// the docker CLI does).
func Dial(ctx context.Context, dockerContext string) (*Client, error) {
	conn, err := ResolveConnection(dockerContext, os.Getenv)
	if err != nil {
		return nil, err
	}
	opts, err := conn.clientOptions()
	if err != nil {
		return nil, err
	}
	api, err := client.NewClientWithOpts(append(opts, client.WithAPIVersionNegotiation())...)
	if err != nil {
		return nil, fmt.Errorf("configure docker client for %s: %w", conn.Host, err)
	}
	c, err := connect(ctx, api)
	if err != nil {
		where := conn.Host
		if conn.Context != "default" {
			where = fmt.Sprintf("%s (docker context %q)", conn.Host, conn.Context)
		}
		return nil, fmt.Errorf("%w at %s: %v\n"+
			"start an engine (as root on Debian: scripts/engine.sh installs and starts one), "+
			"or point DOCKER_HOST or --context at a running one", ErrUnreachable, where, err)
	}
	c.host = conn.Host
	return c, nil
}

// connect pings the engine api names, within ctx and at most 10 seconds,
// and takes the API version from that ping. Negotiating anew would ping
// again, and a second ping that fails (an engine still starting, a
// deadline spent) leaves the client at its own newest version, silently.
// The client is closed when the ping fails.
func connect(ctx context.Context, api *client.Client) (*Client, error) {
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ping, err := api.Ping(pingCtx)
	if err != nil {
		_ = api.Close()
		return nil, err
	}
	api.NegotiateAPIVersionPing(ping)
	return &Client{api: api, ping: ping}, nil
}

// Close releases the client's connections.
func (c *Client) Close() error { return c.api.Close() }

// Host is the engine's address, for messages.
func (c *Client) Host() string {
	if c.host != "" {
		return c.host
	}
	return c.api.DaemonHost()
}

// IsLocal reports whether the engine runs on this machine (a unix socket),
// so its containers' host PIDs are ours to signal.
func (c *Client) IsLocal() bool { return strings.HasPrefix(c.Host(), "unix://") }

// APIVersion is the negotiated API version.
func (c *Client) APIVersion() string { return c.api.ClientVersion() }
