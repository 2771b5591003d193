package engine

import (
	"context"
	"fmt"

	"github.com/docker/docker/client"
)

// NewWithHost connects to the engine at host, an address in DOCKER_HOST's
// form (tcp://10.0.0.5:2375, unix:///var/run/docker.sock), without TLS and
// regardless of the environment, and checks that it answers. Like New, it
// negotiates the API version on first contact; ErrUnreachable when no engine
// answers within ctx (and at most 10 seconds).
func NewWithHost(ctx context.Context, host string) (*Client, error) {
	api, err := client.NewClientWithOpts(client.WithHost(host), client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configure docker client for %s: %w", host, err)
	}
	c, err := connect(ctx, api)
	if err != nil {
		return nil, fmt.Errorf("%w at %s: %w", ErrUnreachable, host, err)
	}
	return c, nil
}
