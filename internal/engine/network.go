package engine

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/network"
)

// NetworkInspect returns the named network; ErrNotFound when it is absent.
func (c *Client) NetworkInspect(ctx context.Context, name string) (Network, error) {
	n, err := c.api.NetworkInspect(ctx, name, network.InspectOptions{})
	if err != nil {
		return Network{}, classify(err, "inspect network %s", name)
	}
	// The engine matches IDs by prefix too; only an exact name is ours.
	if n.Name != name {
		return Network{}, fmt.Errorf("inspect network %s: %w", name, ErrNotFound)
	}
	return Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Labels: n.Labels}, nil
}

// NetworkCreate creates a network with the given driver and labels.
func (c *Client) NetworkCreate(ctx context.Context, name, driver string, labels map[string]string) error {
	_, err := c.api.NetworkCreate(ctx, name, network.CreateOptions{Driver: driver, Labels: labels})
	if err != nil {
		return classify(err, "create network %s", name)
	}
	return nil
}

// NetworkRemove removes the named network.
func (c *Client) NetworkRemove(ctx context.Context, name string) error {
	if err := c.api.NetworkRemove(ctx, name); err != nil {
		return classify(err, "remove network %s", name)
	}
	return nil
}
