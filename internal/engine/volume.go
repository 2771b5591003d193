package engine

import (
	"context"

	"github.com/docker/docker/api/types/volume"
)

// VolumeInspect returns the named volume; ErrNotFound when it is absent.
func (c *Client) VolumeInspect(ctx context.Context, name string) (Volume, error) {
	v, err := c.api.VolumeInspect(ctx, name)
	if err != nil {
		return Volume{}, classify(err, "inspect volume %s", name)
	}
	return Volume{Name: v.Name, Labels: v.Labels}, nil
}

// VolumeCreate creates a local volume with labels.
func (c *Client) VolumeCreate(ctx context.Context, name string, labels map[string]string) error {
	if _, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels}); err != nil {
		return classify(err, "create volume %s", name)
	}
	return nil
}

// VolumeRemove removes the named volume.
func (c *Client) VolumeRemove(ctx context.Context, name string) error {
	if err := c.api.VolumeRemove(ctx, name, false); err != nil {
		return classify(err, "remove volume %s", name)
	}
	return nil
}
