package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Node labels that place a project's services, each followed by the
// project's name: pinLabelPrefix holds its stateful services on one node
// (their local volumes live there), edgeLabelPrefix its edges (clients
// reach their ports at that node's address).
const (
	pinLabelPrefix  = "io.stackctl.data."
	edgeLabelPrefix = "io.stackctl.edge."
)

// Prepare makes what the services need before any of them runs: the
// images, on every node (pushed to the registry), the overlay networks,
// the secrets and configs, the node that keeps the stateful services'
// data and the one that runs the edges.
func (b *Backend) Prepare(ctx context.Context, st *stack.Stack, build bool) (map[string]string, bool, error) {
	manager, err := b.manager(ctx)
	if err != nil {
		return nil, false, err
	}
	// The external secrets and configs are looked up first: a missing one
	// fails the run before anything is built, made or deployed.
	external, err := b.findExternalObjects(ctx, st)
	if err != nil {
		return nil, false, err
	}
	ids, changed, err := b.images.Ensure(ctx, st, build)
	if err != nil {
		return nil, false, err
	}
	d := &Deploy{}
	if d.EndpointMode, err = b.resolveEndpointMode(); err != nil {
		return nil, false, err
	}
	refs, err := b.publishImages(ctx, st)
	if err != nil {
		return nil, false, err
	}
	created, err := b.ensureNetworks(ctx, st)
	if err != nil {
		return nil, false, err
	}
	changed = changed || created
	if d.SecretIDs, d.ConfigIDs, created, err = b.ensureObjects(ctx, st); err != nil {
		return nil, false, err
	}
	maps.Copy(d.SecretIDs, external["secret"])
	maps.Copy(d.ConfigIDs, external["config"])
	changed = changed || created
	d.Pin = NodeLabel{Key: pinLabelPrefix + st.Project, Value: "true"}
	if created, err = b.ensureNodeLabel(ctx, st, manager, d.Pin, hasStatefulService(st), "the project's data lives here"); err != nil {
		return nil, false, err
	}
	changed = changed || created
	d.Edge = NodeLabel{Key: edgeLabelPrefix + st.Project, Value: "true"}
	if created, err = b.ensureNodeLabel(ctx, st, manager, d.Edge, hasEdge(st), "the project's edges publish their ports here"); err != nil {
		return nil, false, err
	}
	changed = changed || created
	b.mu.Lock()
	b.prepared[st.Project] = &prepared{deploy: *d, refs: refs}
	b.mu.Unlock()
	return ids, changed, nil
}

// manager checks that the engine manages a swarm, and returns its node.
func (b *Backend) manager(ctx context.Context) (engine.SwarmState, error) {
	state, err := b.engine.SwarmInspect(ctx)
	if err != nil {
		return engine.SwarmState{}, err
	}
	switch {
	case state.State != "active":
		return state, fmt.Errorf("the engine is not in a swarm (state %s): run `docker swarm init` on it, or point DOCKER_HOST at a swarm manager", state.State)
	case !state.Manager:
		return state, fmt.Errorf("the engine is a swarm worker (node %s), and only a manager deploys: point DOCKER_HOST at a manager", state.NodeID)
	}
	return state, nil
}

// resolveEndpointMode picks how tasks are reached. The routing mesh and
// virtual IPs need the kernel's IPVS on every node; without it a service
// with a VIP converges but refuses every connection, so DNS round robin
// (and host-mode publishing) is the only way that works.
func (b *Backend) resolveEndpointMode() (swarmapi.ResolutionMode, error) {
	switch b.endpointMode {
	case swarmapi.ResolutionModeVIP, swarmapi.ResolutionModeDNSRR:
		return b.endpointMode, nil
	case "":
	default:
		return "", fmt.Errorf("endpoint mode %q: want vip or dnsrr", b.endpointMode)
	}
	if b.engine.IsLocal() && hasIPVS() {
		return swarmapi.ResolutionModeVIP, nil
	}
	return swarmapi.ResolutionModeDNSRR, nil
}

// hasIPVS says whether this machine's kernel has IPVS loaded or built in;
// dockerd loads the module itself when it can, so a kernel without it
// after the engine started has none to load.
func hasIPVS() bool {
	for _, path := range []string{"/proc/net/ip_vs", "/sys/module/ip_vs"} {
		if _, err := os.Stat(path); err == nil {
			return true
		}
	}
	return false
}

// publishImages pushes every image the stack runs to the registry, when
// there is one, and returns the references the nodes pull: by digest, so
// every task of a service runs the very same image.
func (b *Backend) publishImages(ctx context.Context, st *stack.Stack) (map[string]string, error) {
	refs := map[string]string{}
	if b.registry == "" {
		return refs, nil
	}
	for _, svc := range st.Services {
		if _, done := refs[svc.Image]; done {
			continue
		}
		remote := b.registry + "/" + repository(svc.Image)
		resource := "image " + svc.Image
		if err := b.engine.ImageTag(ctx, svc.Image, remote); err != nil {
			return nil, fmt.Errorf("tag image %s as %s: %w", svc.Image, remote, err)
		}
		b.report(resource, "pushing", remote)
		digest, err := b.engine.ImagePush(ctx, remote, nil)
		if err != nil {
			b.reportError(resource, "push failed", err.Error())
			return nil, fmt.Errorf("push image %s to registry %s: %w", svc.Image, b.registry, err)
		}
		name := remote
		if i := strings.LastIndex(remote, ":"); i > strings.LastIndex(remote, "/") {
			name = remote[:i]
		}
		refs[svc.Image] = name + "@" + digest
		b.report(resource, "pushed", refs[svc.Image])
	}
	return refs, nil
}

// repository is an image reference without its registry host, for
// tagging it into another registry: postgres:15 and
// docker.io/library/postgres:15 are both postgres:15.
func repository(ref string) string {
	first, rest, ok := strings.Cut(ref, "/")
	if ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		ref = rest
	}
	return strings.TrimPrefix(ref, "library/")
}

// ensureNetworks creates the stack's overlay networks that are missing,
// and checks the external ones exist. A network under one of the stack's
// names that is not the project's is never used.
func (b *Backend) ensureNetworks(ctx context.Context, st *stack.Stack) (bool, error) {
	specs, err := NetworkSpecs(st)
	if err != nil {
		return false, err
	}
	created := false
	for _, n := range specs {
		found, err := b.engine.NetworkList(ctx, n.Name)
		if err != nil {
			return false, err
		}
		resource := "network " + n.Name
		switch {
		case n.External && len(found) == 0:
			return false, fmt.Errorf("networks.%s: external network %s does not exist on the swarm: create it (docker network create -d overlay --attachable %s)", n.Key, n.Name, n.Name)
		case n.External:
			continue
		case len(found) > 0:
			if owner := found[0].Labels[stack.LabelProject]; owner != st.Project {
				return false, &backend.NotOwnedError{Kind: "network", Name: n.Name, Project: st.Project, Owner: owner}
			}
			if found[0].Driver != "overlay" {
				return false, fmt.Errorf("network %s is a %s network of this project, made for one engine: run down (without --swarm) first", n.Name, found[0].Driver)
			}
			continue
		}
		if err := b.engine.NetworkCreateWith(ctx, n.Name, n.Options); err != nil {
			return false, err
		}
		b.report(resource, "created", "overlay")
		created = true
	}
	return created, nil
}

// ensureObjects creates the stack's secrets and configs that are missing
// and returns the swarm's IDs of all of them. A swarm secret cannot change,
// so one whose file changed since is an error that says what to do.
func (b *Backend) ensureObjects(ctx context.Context, st *stack.Stack) (secrets, configs map[string]string, created bool, err error) {
	objects, err := Objects(st)
	if err != nil {
		return nil, nil, false, err
	}
	secrets, configs = map[string]string{}, map[string]string{}
	haveSecrets, err := b.engine.SecretList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, nil, false, err
	}
	haveConfigs, err := b.engine.ConfigList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, nil, false, err
	}
	for _, o := range objects {
		if o.External {
			continue // the user's: findExternalObjects found it
		}
		data := o.Data
		if data == nil {
			if data, err = os.ReadFile(o.Source); err != nil {
				return nil, nil, false, fmt.Errorf("%ss.%s: read %s: %w", o.Kind, o.Key, o.Source, err)
			}
		}
		var spec swarmapi.Annotations
		have, ids := haveSecrets, secrets
		if o.Kind == "config" {
			have, ids = haveConfigs, configs
			spec = ConfigSpec(st, o.Key, o.Labels, data).Annotations
		} else {
			spec = SecretSpec(st, o.Key, o.Labels, data).Annotations
		}
		if id, ok := findObject(have, o.Name, spec.Labels[stack.LabelConfigHash]); ok {
			ids[o.Key] = id
			continue
		} else if id != "" {
			return nil, nil, false, fmt.Errorf("%ss.%s: %s changed since the swarm's %s %s was made, and a swarm's %ss cannot change: run down, then up", o.Kind, o.Key, o.Source, o.Kind, o.Name, o.Kind)
		}
		var id string
		if o.Kind == "config" {
			id, err = b.engine.ConfigCreate(ctx, ConfigSpec(st, o.Key, o.Labels, data))
		} else {
			id, err = b.engine.SecretCreate(ctx, SecretSpec(st, o.Key, o.Labels, data))
		}
		if err != nil {
			return nil, nil, false, err
		}
		b.report(o.Kind+" "+o.Name, "created", "")
		ids[o.Key] = id
		created = true
	}
	return secrets, configs, created, nil
}

// findExternalObjects finds the swarm's existing secrets and configs the
// stack's external ones name: their IDs by kind, then key. A missing one
// is an error that names it and how to make it, as `docker stack deploy`
// would fail on it.
func (b *Backend) findExternalObjects(ctx context.Context, st *stack.Stack) (map[string]map[string]string, error) {
	objects, err := Objects(st)
	if err != nil {
		return nil, err
	}
	ids := map[string]map[string]string{"secret": {}, "config": {}}
	have := map[string][]engine.SwarmObject{}
	var errs []error
	for _, o := range objects {
		if !o.External {
			continue
		}
		if _, listed := have[o.Kind]; !listed {
			list := b.engine.SecretList
			if o.Kind == "config" {
				list = b.engine.ConfigList
			}
			if have[o.Kind], err = list(ctx, nil); err != nil {
				return nil, fmt.Errorf("%ss.%s: look up external %s %s: %w", o.Kind, o.Key, o.Kind, o.Name, err)
			}
		}
		i := slices.IndexFunc(have[o.Kind], func(x engine.SwarmObject) bool { return x.Name == o.Name })
		if i < 0 {
			errs = append(errs, fmt.Errorf("%ss.%s: external %s %s does not exist on the swarm: create it (docker %s create %s -)", o.Kind, o.Key, o.Kind, o.Name, o.Kind, o.Name))
			continue
		}
		ids[o.Kind][o.Key] = have[o.Kind][i].ID
	}
	return ids, errors.Join(errs...)
}

// findObject finds name among have: its ID, and whether its content hash
// is hash.
func findObject(have []engine.SwarmObject, name, hash string) (string, bool) {
	for _, o := range have {
		if o.Name == name {
			return o.ID, o.Labels[stack.LabelConfigHash] == hash
		}
	}
	return "", false
}

// ensureNodeLabel labels, when the stack needs it, the one node that runs
// the services the label places: the node already labelled, else the
// manager stackctl talks to (whose volumes `down -v` can remove, and whose
// address the caller knows).
func (b *Backend) ensureNodeLabel(ctx context.Context, st *stack.Stack, manager engine.SwarmState, label NodeLabel, needed bool, why string) (bool, error) {
	if !needed {
		return false, nil
	}
	nodes, err := b.engine.NodeList(ctx)
	if err != nil {
		return false, err
	}
	for _, n := range nodes {
		if n.Labels[label.Key] == label.Value {
			return false, nil
		}
	}
	if err := b.engine.NodeUpdateLabels(ctx, manager.NodeID, map[string]string{label.Key: label.Value}); err != nil {
		return false, fmt.Errorf("label node %s %s for project %s: %w", nodeName(nodes, manager.NodeID), label.Key, st.Project, err)
	}
	b.report("node "+nodeName(nodes, manager.NodeID), "labelled", label.Key+": "+why)
	return true, nil
}

// hasStatefulService says whether a service of st mounts a named volume
// of the stack, which lives on one node.
func hasStatefulService(st *stack.Stack) bool {
	for _, svc := range st.Services {
		for _, m := range svc.Mounts {
			if m.Type == stack.MountVolume && m.Source != "" {
				return true
			}
		}
	}
	return false
}

// hasEdge says whether the stack runs an edge.
func hasEdge(st *stack.Stack) bool {
	return slices.ContainsFunc(st.Services, func(svc stack.Service) bool { return svc.LoadBalancer != nil })
}

// nodeName is a node's hostname, or its ID when it has none.
func nodeName(nodes []engine.Node, id string) string {
	for _, n := range nodes {
		if n.ID == id && n.Hostname != "" {
			return n.Hostname
		}
	}
	return id
}

// prepared is what Prepare found out for a project's specs.
type prepared struct {
	deploy Deploy
	// refs are the references the nodes pull, by the file's image
	// reference; none without a registry.
	refs map[string]string
}

// deployOf is the deploy facts of one service of a prepared project.
func (b *Backend) deployOf(st *stack.Stack, svc *stack.Service) (Deploy, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, ok := b.prepared[st.Project]
	if !ok {
		return Deploy{}, fmt.Errorf("service %s: project %s was not prepared", svc.Name, st.Project)
	}
	d := p.deploy
	d.Image = p.refs[svc.Image]
	return d, nil
}
