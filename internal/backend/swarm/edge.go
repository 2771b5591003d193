package swarm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/edge"
	"github.com/stackctl/stackctl/internal/stack"
)

// embeddedDNS is the address at which every task asks the swarm's DNS,
// which answers tasks.<service> with the addresses of the service's tasks
// that take traffic: a task joins once healthy and leaves before it is
// stopped.
const embeddedDNS = "127.0.0.11"

// EdgeObject is the swarm config that holds the nginx configuration of
// svc, the edge of svc.LoadBalancer.Target. nginx resolves the target's
// tasks through the swarm's DNS at request time, so the configuration
// never changes with the tasks, and a rolling update of the target needs
// nothing of the edge. A swarm config cannot change: its key, and so its
// name, ends with a digest of its content, so a configuration rendered
// differently (by another stackctl) is a new config that the edge's
// update switches to.
func EdgeObject(st *stack.Stack, svc *stack.Service) (Object, error) {
	lb := svc.LoadBalancer
	if lb == nil {
		return Object{}, fmt.Errorf("service %s balances no service", svc.Name)
	}
	conf, err := edge.Render(edge.Upstream{
		Name:       lb.Target,
		Host:       "tasks." + ServiceName(st.Project, lb.Target),
		Resolver:   embeddedDNS,
		Port:       lb.TargetPort,
		ListenPort: lb.ListenPort,
	})
	if err != nil {
		return Object{}, fmt.Errorf("services.%s.%s.edge: %w", lb.Target, stack.Extension, err)
	}
	sum := sha256.Sum256(conf)
	key := svc.Name + "-" + hex.EncodeToString(sum[:])[:12]
	return Object{Kind: "config", Key: key, Name: ObjectName(st.Project, key), Data: conf}, nil
}

// edge makes spec that of an edge: its one task on the node labelled
// Deploy.Edge, where its port is published in host mode (see ports), and
// its configuration the swarm config EdgeObject names.
func (b *builder) edge(spec *swarmapi.ServiceSpec) {
	lb := b.svc.LoadBalancer
	at := fmt.Sprintf("%s.edge", stack.Extension)
	if b.d.Edge.Key == "" || b.d.Edge.Value == "" {
		b.errs = append(b.errs, fmt.Errorf("services.%s.%s: the edge %s publishes on one node, and no node label places it there", lb.Target, at, b.svc.Name))
	}
	placement := spec.TaskTemplate.Placement
	if placement == nil {
		placement = &swarmapi.Placement{}
		spec.TaskTemplate.Placement = placement
	}
	// A client needs one address for the port: the labelled node's.
	placement.Constraints = append(placement.Constraints, fmt.Sprintf("node.labels.%s==%s", b.d.Edge.Key, b.d.Edge.Value))

	o, err := EdgeObject(b.st, b.svc)
	if err != nil {
		b.errs = append(b.errs, err)
		return
	}
	id, ok := b.d.ConfigIDs[o.Key]
	if !ok {
		b.errs = append(b.errs, fmt.Errorf("services.%s.%s: config %s of the edge %s has no swarm ID: create it before the service", lb.Target, at, o.Name, b.svc.Name))
	}
	cs := spec.TaskTemplate.ContainerSpec
	cs.Configs = append(cs.Configs, &swarmapi.ConfigReference{
		File:     &swarmapi.ConfigReferenceFileTarget{Name: edge.ConfigPath, UID: "0", GID: "0", Mode: 0o444},
		ConfigID: id, ConfigName: o.Name,
	})
}
