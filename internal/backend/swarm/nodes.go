package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/engine"
)

// A swarm's API lists tasks and their containers' IDs but cannot signal a
// task's process or run a command in it: that takes the engine of the node
// the task runs on. stackctl talks to one manager's engine; the engines of
// other nodes are the ones --node-engine names (WithNodeEngines).

// ErrNodeNotReached says a task runs on a node whose engine stackctl was
// not given.
var ErrNodeNotReached = errors.New("no engine for the task's node")

// NodeEngine is what stackctl asks of the engine of the node a task runs
// on: the crash mechanics, a command in a task's container, and which node
// it is.
type NodeEngine interface {
	crash.Engine
	crash.Execer
	SwarmInspect(ctx context.Context) (engine.SwarmState, error)
}

// WithNodeEngines gives the engine API addresses of nodes other than the
// manager (tcp://HOST:PORT, plain TCP, as DOCKER_HOST names one), by node
// hostname or ID, for kill to reach tasks that run there.
func WithNodeEngines(hosts map[string]string) Option {
	return func(b *Backend) { b.nodeEngines = maps.Clone(hosts) }
}

// dialEngine connects to a node's engine at host.
func dialEngine(ctx context.Context, host string) (NodeEngine, func(), error) {
	c, err := engine.NewWithHost(ctx, host)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { _ = c.Close() }, nil
}

// reach is how one command reaches the swarm's nodes: the manager's engine
// for tasks there, and the engines WithNodeEngines names, each connected
// on first use and closed by close.
type reach struct {
	b *Backend
	// self is the node of the engine stackctl talks to.
	self   string
	nodes  []engine.Node
	open   map[string]NodeEngine
	closes []func()
}

func (b *Backend) reach(ctx context.Context) (*reach, error) {
	self, err := b.engine.SwarmInspect(ctx)
	if err != nil {
		return nil, err
	}
	nodes, err := b.engine.NodeList(ctx)
	if err != nil {
		return nil, err
	}
	return &reach{b: b, self: self.NodeID, nodes: nodes, open: map[string]NodeEngine{}}, nil
}

func (r *reach) close() {
	for _, c := range r.closes {
		c()
	}
}

func (r *reach) node(id string) engine.Node {
	for _, n := range r.nodes {
		if n.ID == id {
			return n
		}
	}
	return engine.Node{ID: id}
}

// hostOf is the engine address given for the node, if any.
func (r *reach) hostOf(id string) (string, bool) {
	n := r.node(id)
	if h, ok := r.b.nodeEngines[n.Hostname]; ok && n.Hostname != "" {
		return h, true
	}
	h, ok := r.b.nodeEngines[id]
	return h, ok
}

// reaches says whether stackctl has an engine for the node, without
// connecting to it.
func (r *reach) reaches(id string) bool {
	_, given := r.hostOf(id)
	return id == r.self || given
}

// engine is the engine of the node: the manager's own, or the one given
// for it, checked to be that node's. ErrNodeNotReached when none is.
func (r *reach) engine(ctx context.Context, id string) (NodeEngine, error) {
	if id == r.self {
		return r.b.engine, nil
	}
	if e, ok := r.open[id]; ok {
		return e, nil
	}
	name := nodeName(r.nodes, id)
	host, ok := r.hostOf(id)
	if !ok {
		return nil, fmt.Errorf("node %s: %w", name, ErrNodeNotReached)
	}
	e, closeEngine, err := r.b.dial(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("connect to the engine of node %s at %s: %w", name, host, err)
	}
	r.closes = append(r.closes, closeEngine)
	// A PID is only meaningful on its own node: an address that names
	// another node's engine must not be used for this one.
	got, err := e.SwarmInspect(ctx)
	if err != nil {
		return nil, fmt.Errorf("ask the engine at %s (given for node %s) which node it is: %w", host, name, err)
	}
	if got.NodeID != id {
		return nil, fmt.Errorf("the engine at %s, given for node %s (%s), is node %s (%s): correct --node-engine %s",
			host, name, id, nodeName(r.nodes, got.NodeID), orNone(got.NodeID), name)
	}
	r.open[id] = e
	return e, nil
}

// unreached is the error of a task that runs on a node stackctl has no
// engine for: which task, where, and what to do.
func (r *reach) unreached(service, task string, t engine.Task) error {
	n := r.node(t.NodeID)
	name := nodeName(r.nodes, t.NodeID)
	addr := n.Addr
	if addr == "" {
		addr = "HOST"
	}
	given := ""
	if len(r.b.nodeEngines) > 0 {
		given = fmt.Sprintf(" (--node-engine names only %s)", strings.Join(slices.Sorted(maps.Keys(r.b.nodeEngines)), ", "))
	}
	return fmt.Errorf("kill %s: %w: task %s (%s) runs on node %s (address %s), and stackctl talks to the engine of node %s only%s; "+
		"a swarm's API cannot signal a task's process. Name that node's engine API: "+
		"`stackctl --swarm --node-engine %s=tcp://%s:PORT kill %s %s-%d` (PORT where its engine listens, often 2375), "+
		"or kill a task that runs on %s (`stackctl --swarm ps` shows each task's node)",
		service, ErrNodeNotReached, task, shortID(t.ID), name, orNone(n.Addr), nodeName(r.nodes, r.self), given,
		name, addr, service, service, t.Slot, nodeName(r.nodes, r.self))
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
