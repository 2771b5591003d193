package engine

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
)

// SwarmState is the engine's place in a swarm.
type SwarmState struct {
	// NodeID is the engine's node; "" outside a swarm.
	NodeID string
	// NodeAddr is the address the node advertises to the swarm.
	NodeAddr string
	// State is inactive, pending, active, error or locked.
	State string
	// Manager says the engine manages the swarm: services, nodes, secrets
	// and configs can be asked of it.
	Manager   bool
	ClusterID string
	// Error is why the node is in state error.
	Error string
}

// SwarmInspect tells whether the engine is in a swarm and manages it. It
// asks the engine's info, which every engine answers, where the swarm's
// own inspect fails on a worker.
func (c *Client) SwarmInspect(ctx context.Context) (SwarmState, error) {
	info, err := c.api.Info(ctx)
	if err != nil {
		return SwarmState{}, classify(err, "ask the engine its swarm state")
	}
	s := info.Swarm
	out := SwarmState{
		NodeID: s.NodeID, NodeAddr: s.NodeAddr, State: string(s.LocalNodeState),
		Manager: s.ControlAvailable, Error: s.Error,
	}
	if s.Cluster != nil {
		out.ClusterID = s.Cluster.ID
	}
	return out, nil
}

// Node is a node of the swarm.
type Node struct {
	ID       string
	Hostname string
	// Role is manager or worker.
	Role string
	// State is unknown, down, ready or disconnected.
	State string
	// Availability is active, pause or drain: only an active node takes
	// new tasks.
	Availability string
	// Labels are the node's labels, the ones placement constraints read.
	Labels map[string]string
	// Addr is the node's address as the swarm sees it. The swarm does not
	// know the address of the node's engine API, only the host it is on.
	Addr   string
	Leader bool
	// EngineVersion is the node's Docker version.
	EngineVersion string
	// Version is what NodeUpdateLabels updates from.
	Version uint64
}

// NodeList lists the swarm's nodes; ErrNotSwarmManager when the engine
// cannot say.
func (c *Client) NodeList(ctx context.Context) ([]Node, error) {
	list, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, classify(err, "list swarm nodes")
	}
	out := make([]Node, 0, len(list))
	for _, n := range list {
		node := Node{
			ID: n.ID, Hostname: n.Description.Hostname,
			Role: string(n.Spec.Role), State: string(n.Status.State), Availability: string(n.Spec.Availability),
			Labels: n.Spec.Labels, Addr: n.Status.Addr,
			EngineVersion: n.Description.Engine.EngineVersion, Version: n.Version.Index,
		}
		if m := n.ManagerStatus; m != nil {
			node.Leader = m.Leader
		}
		out = append(out, node)
	}
	return out, nil
}

// NodeUpdateLabels sets labels on a node and removes the keys in remove,
// leaving its other labels as they are. A node changed by someone else in
// between (its version moved on) is read again, a few times.
func (c *Client) NodeUpdateLabels(ctx context.Context, nodeID string, set map[string]string, remove ...string) error {
	const attempts = 5
	var err error
	for range attempts {
		var node swarm.Node
		node, _, err = c.api.NodeInspectWithRaw(ctx, nodeID)
		if err != nil {
			return classify(err, "inspect node %s", nodeID)
		}
		spec := node.Spec
		spec.Labels = maps.Clone(spec.Labels)
		if spec.Labels == nil {
			spec.Labels = map[string]string{}
		}
		maps.Copy(spec.Labels, set)
		for _, k := range remove {
			delete(spec.Labels, k)
		}
		err = c.api.NodeUpdate(ctx, nodeID, node.Version, spec)
		if err == nil {
			return nil
		}
		err = classify(err, "label node %s", nodeID)
		if !errors.Is(err, ErrOutOfSequence) {
			return err
		}
	}
	return err
}

// SwarmObject is a secret or config of the swarm as listed (never with its
// data: the swarm gives a secret's to no one but its tasks).
type SwarmObject struct {
	ID      string
	Name    string
	Labels  map[string]string
	Created time.Time
}

// SecretCreate creates a swarm secret and returns its ID; ErrConflict when
// the name is taken (a secret's data cannot change: a new one needs a new
// name, or the old one removed).
func (c *Client) SecretCreate(ctx context.Context, spec swarm.SecretSpec) (string, error) {
	resp, err := c.api.SecretCreate(ctx, spec)
	if err != nil {
		return "", classify(err, "create secret %s", spec.Name)
	}
	return resp.ID, nil
}

// SecretList lists the secrets that carry every given label.
func (c *Client) SecretList(ctx context.Context, labels map[string]string) ([]SwarmObject, error) {
	list, err := c.api.SecretList(ctx, swarm.SecretListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, classify(err, "list secrets")
	}
	out := make([]SwarmObject, 0, len(list))
	for _, s := range list {
		out = append(out, SwarmObject{ID: s.ID, Name: s.Spec.Name, Labels: s.Spec.Labels, Created: s.CreatedAt})
	}
	return out, nil
}

// SecretRemove removes a secret by name or ID; the swarm refuses while a
// service uses it.
func (c *Client) SecretRemove(ctx context.Context, ref string) error {
	if err := c.api.SecretRemove(ctx, ref); err != nil {
		return classify(err, "remove secret %s", ref)
	}
	return nil
}

// ConfigCreate creates a swarm config and returns its ID; ErrConflict when
// the name is taken.
func (c *Client) ConfigCreate(ctx context.Context, spec swarm.ConfigSpec) (string, error) {
	resp, err := c.api.ConfigCreate(ctx, spec)
	if err != nil {
		return "", classify(err, "create config %s", spec.Name)
	}
	return resp.ID, nil
}

// ConfigList lists the configs that carry every given label.
func (c *Client) ConfigList(ctx context.Context, labels map[string]string) ([]SwarmObject, error) {
	list, err := c.api.ConfigList(ctx, swarm.ConfigListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, classify(err, "list configs")
	}
	out := make([]SwarmObject, 0, len(list))
	for _, s := range list {
		out = append(out, SwarmObject{ID: s.ID, Name: s.Spec.Name, Labels: s.Spec.Labels, Created: s.CreatedAt})
	}
	return out, nil
}

// ConfigRemove removes a config by name or ID; the swarm refuses while a
// service uses it.
func (c *Client) ConfigRemove(ctx context.Context, ref string) error {
	if err := c.api.ConfigRemove(ctx, ref); err != nil {
		return classify(err, "remove config %s", ref)
	}
	return nil
}

func labelFilters(labels map[string]string) filters.Args {
	args := filters.NewArgs()
	for k, v := range labels {
		args.Add("label", k+"="+v)
	}
	return args
}
