// Package engine adapts the Docker SDK client to the small set of operations
// stackctl needs, in stackctl's own terms (internal/stack types in, plain
// structs out), and turns the engine's errors into ones callers can tell apart.
package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// Client is a Docker engine, reached through DOCKER_HOST and friends, with
// the API version negotiated on first contact.
type Client struct {
	api *client.Client
}

// New connects to the engine named by the environment (DOCKER_HOST,
// DOCKER_API_VERSION, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY) and checks that it
// answers, so every later error is about the work, not the connection.
func New(ctx context.Context) (*Client, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configure docker client: %w", err)
	}
	host := api.DaemonHost()
	c, err := connect(ctx, api)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %v\n"+
			"start an engine (as root on Debian: scripts/engine.sh installs and starts one), "+
			"or point DOCKER_HOST at a running one", ErrUnreachable, host, err)
	}
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
	return &Client{api: api}, nil
}

// Close releases the client's connections.
func (c *Client) Close() error { return c.api.Close() }

// Host is the engine's address, for messages.
func (c *Client) Host() string { return c.api.DaemonHost() }

// IsLocal reports whether the engine runs on this machine (a unix socket),
// so its containers' host PIDs are ours to signal.
func (c *Client) IsLocal() bool { return strings.HasPrefix(c.api.DaemonHost(), "unix://") }

// APIVersion is the negotiated API version.
func (c *Client) APIVersion() string { return c.api.ClientVersion() }
