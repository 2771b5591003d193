package engine

import (
	"context"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
)

// VolumeInspect returns the named volume; ErrNotFound when it is absent.
func (c *Client) VolumeInspect(ctx context.Context, name string) (Volume, error) {
	v, err := c.api.VolumeInspect(ctx, name)
	if err != nil {
		return Volume{}, classify(err, "inspect volume %s", name)
	}
	return volumeOf(v), nil
}

func volumeOf(v volume.Volume) Volume {
	// The engine gives the time in RFC 3339; a time it garbles is left
	// zero.
	created, _ := time.Parse(time.RFC3339Nano, v.CreatedAt)
	return Volume{Name: v.Name, Labels: v.Labels, Mountpoint: v.Mountpoint, CreatedAt: created}
}

// VolumeCreate creates a local volume with labels (see VolumeClaim for one
// that exists).
func (c *Client) VolumeCreate(ctx context.Context, name string, labels map[string]string) error {
	_, err := c.VolumeClaim(ctx, name, labels)
	return err
}

// VolumeCreateWith creates the named volume as opts say.
func (c *Client) VolumeCreateWith(ctx context.Context, name string, opts VolumeOptions) error {
	_, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: name, Driver: opts.Driver, DriverOpts: opts.DriverOpts, Labels: opts.Labels})
	if err != nil {
		return classify(err, "create volume %s", name)
	}
	return nil
}

// VolumeClaim creates the named local volume with labels or, when it
// exists, leaves it as it is, and returns the volume the engine has under
// that name. The engine makes a name once, for whoever asks first, so its
// labels say who that was.
func (c *Client) VolumeClaim(ctx context.Context, name string, labels map[string]string) (Volume, error) {
	v, err := c.api.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: labels})
	if err != nil {
		return Volume{}, classify(err, "create volume %s", name)
	}
	return volumeOf(v), nil
}

// VolumeRemove removes the named volume.
func (c *Client) VolumeRemove(ctx context.Context, name string) error {
	if err := c.api.VolumeRemove(ctx, name, false); err != nil {
		return classify(err, "remove volume %s", name)
	}
	return nil
}

// VolumeList lists the volumes that carry every given label (any value
// where the value is "").
func (c *Client) VolumeList(ctx context.Context, labels map[string]string) ([]Volume, error) {
	args := filters.NewArgs()
	for k, v := range labels {
		if v == "" {
			args.Add("label", k) // present, whatever its value
			continue
		}
		args.Add("label", k+"="+v)
	}
	list, err := c.api.VolumeList(ctx, volume.ListOptions{Filters: args})
	if err != nil {
		return nil, classify(err, "list volumes")
	}
	out := make([]Volume, 0, len(list.Volumes))
	for _, v := range list.Volumes {
		out = append(out, volumeOf(*v))
	}
	return out, nil
}
