package engine

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
)

// NetworkInspect returns the network with the given name or full ID;
// ErrNotFound when it is absent.
func (c *Client) NetworkInspect(ctx context.Context, ref string) (Network, error) {
	n, err := c.api.NetworkInspect(ctx, ref, network.InspectOptions{})
	if err != nil {
		return Network{}, classify(err, "inspect network %s", ref)
	}
	// The engine matches IDs by prefix too; only an exact name is ours.
	if n.Name != ref && n.ID != ref {
		return Network{}, fmt.Errorf("inspect network %s: %w", ref, ErrNotFound)
	}
	return Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Labels: n.Labels, Created: n.Created, Containers: len(n.Containers)}, nil
}

// NetworkCreate creates a network with the given driver and labels.
func (c *Client) NetworkCreate(ctx context.Context, name, driver string, labels map[string]string) error {
	return c.NetworkCreateWith(ctx, name, NetworkOptions{Driver: driver, Labels: labels})
}

// NetworkCreateWith creates a network as opts say: on a swarm manager, an
// overlay network is created for the whole swarm.
func (c *Client) NetworkCreateWith(ctx context.Context, name string, opts NetworkOptions) error {
	req, err := NetworkCreateOptions(opts, c.api.ClientVersion())
	if err != nil {
		return fmt.Errorf("create network %s: %w", name, err)
	}
	if _, err := c.api.NetworkCreate(ctx, name, req); err != nil {
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

// NetworkList lists the networks named exactly name: engines before API
// 1.44 let several share one name.
func (c *Client) NetworkList(ctx context.Context, name string) ([]Network, error) {
	list, err := c.api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return nil, classify(err, "list networks named %s", name)
	}
	var out []Network
	for _, n := range list {
		if n.Name != name {
			continue // the filter matches on part of the name
		}
		out = append(out, Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Labels: n.Labels, Created: n.Created, Containers: len(n.Containers)})
	}
	return out, nil
}

// NetworkCreateOptions is the engine's request for opts on an engine that
// speaks apiVersion, as Compose's createNetwork makes it. enable_ipv4 is
// refused before API 1.48, whose engines would drop it without a word.
func NetworkCreateOptions(opts NetworkOptions, apiVersion string) (network.CreateOptions, error) {
	out := network.CreateOptions{
		Driver: opts.Driver, Attachable: opts.Attachable, Labels: opts.Labels,
		Internal: opts.Internal, EnableIPv6: opts.EnableIPv6, Options: opts.DriverOpts,
	}
	if opts.EnableIPv4 != nil {
		if versions.LessThan(apiVersion, "1.48") {
			return network.CreateOptions{}, fmt.Errorf("enable_ipv4 needs API 1.48 (Docker Engine 28.0); the engine speaks API %s", apiVersion)
		}
		out.EnableIPv4 = opts.EnableIPv4
	}
	if i := opts.IPAM; i != nil {
		out.IPAM = &network.IPAM{Driver: i.Driver, Options: i.Options}
		for _, p := range i.Pools {
			out.IPAM.Config = append(out.IPAM.Config, network.IPAMConfig{Subnet: p.Subnet, IPRange: p.IPRange, Gateway: p.Gateway, AuxAddress: p.AuxAddresses})
		}
	}
	return out, nil
}
