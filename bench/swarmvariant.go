package bench

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The variant of a compose file that `docker stack deploy -c` is given in
// the swarm comparison. stackctl runs the file as it is; stack deploy
// rejects some of what the file says and ignores more, so it gets the same
// file with what it needs changed and nothing else (comments, anchors and
// the keys it ignores with a warning stay):
//
//   - a top-level name: removed (its schema rejects it; the stack's name is
//     the command's argument);
//   - images: the references by digest of the images pushed to the
//     swarm's registry (it builds nothing, and every node must pull the
//     same image);
//   - depends_on in the long form: the short list of the same services
//     (its schema rejects the long form; a swarm has no start order);
//   - ports: the long syntax with mode: host, and deploy.endpoint_mode:
//     dnsrr (without the kernel's IPVS a VIP and the routing mesh do not
//     work, and dnsrr refuses ingress ports);
//   - restart: the same policy as deploy.restart_policy (it ignores
//     restart:, and its default, any, would run a one-shot forever);
//   - replicas given to stackctl with --scale: deploy.replicas (stack
//     deploy has no such flag);
//   - a bridge network: overlay (a swarm service cannot join a bridge).
//
// The update the comparison times adds an environment variable to one
// service, as the override file given to stackctl with a second -f does.

// variantOptions says what the variant replaces.
type variantOptions struct {
	// Images are the references by digest, by service.
	Images map[string]string
	// Replicas are the replica counts stackctl is given with --scale.
	Replicas map[string]int
	// Env adds variables to services' environments, by service.
	Env map[string]map[string]string
}

// stackDeployVariant rewrites the compose file src for docker stack deploy
// and says what it changed, one line per kind of change.
func stackDeployVariant(src []byte, opts variantOptions) ([]byte, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, nil, fmt.Errorf("parse the compose file: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("the compose file is not a mapping")
	}
	v := &variant{root: doc.Content[0], opts: opts, changed: map[string]bool{}}
	if err := v.rewrite(); err != nil {
		return nil, nil, err
	}
	plainMergeKeys(&doc)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, fmt.Errorf("write the variant: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("write the variant: %w", err)
	}
	return out.Bytes(), slices.Sorted(maps.Keys(v.changed)), nil
}

type variant struct {
	root    *yaml.Node
	opts    variantOptions
	changed map[string]bool
}

func (v *variant) note(format string, args ...any) { v.changed[fmt.Sprintf(format, args...)] = true }

func (v *variant) rewrite() error {
	if mapDelete(v.root, "name") {
		v.note("name: removed (stack deploy's schema rejects it; the stack's name is its argument)")
	}
	if nets := mapGet(v.root, "networks"); nets != nil && nets.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(nets.Content); i += 2 {
			n := nets.Content[i+1]
			if d := mapGet(n, "driver"); d != nil && d.Value == "bridge" {
				d.Value = "overlay"
				v.note("networks.*.driver: bridge -> overlay (a swarm service joins swarm-scoped networks only)")
			}
		}
	}
	services := mapGet(v.root, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return fmt.Errorf("the compose file has no services")
	}
	for _, name := range slices.Sorted(maps.Keys(v.opts.Images)) {
		if mapGet(services, name) == nil {
			return fmt.Errorf("services.%s: no such service to give image %s", name, v.opts.Images[name])
		}
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		if err := v.service(services.Content[i].Value, services.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (v *variant) service(name string, svc *yaml.Node) error {
	if svc.Kind != yaml.MappingNode {
		return fmt.Errorf("services.%s: not a mapping", name)
	}
	if ref, ok := v.opts.Images[name]; ok {
		mapSet(svc, "image", scalar(ref))
		v.note("services.*.image: the reference by digest in the swarm's registry (stack deploy builds nothing)")
	}
	if deps := mapGet(svc, "depends_on"); deps != nil && deps.Kind == yaml.MappingNode {
		list := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for i := 0; i+1 < len(deps.Content); i += 2 {
			list.Content = append(list.Content, scalar(deps.Content[i].Value))
		}
		mapSet(svc, "depends_on", list)
		v.note("services.*.depends_on: the long form as the short list of the same services (conditions dropped: stack deploy's schema rejects them)")
	}
	if ports := mapGet(svc, "ports"); ports != nil {
		if err := v.ports(name, ports); err != nil {
			return err
		}
	}
	deploy := mapGet(svc, "deploy")
	if deploy == nil {
		deploy = &yaml.Node{Kind: yaml.MappingNode}
		mapSet(svc, "deploy", deploy)
	}
	mapSet(deploy, "endpoint_mode", scalar("dnsrr"))
	v.note("services.*.deploy.endpoint_mode: dnsrr (no IPVS here: no VIPs, no routing mesh)")
	if n, ok := v.opts.Replicas[name]; ok {
		mapSet(deploy, "replicas", intScalar(n))
		v.note("services.%s.deploy.replicas: %d (what stackctl is given with --scale)", name, n)
	}
	if restart := mapGet(svc, "restart"); restart != nil {
		if mapGet(deploy, "restart_policy") == nil {
			policy, err := restartPolicy(restart.Value)
			if err != nil {
				return fmt.Errorf("services.%s.restart: %w", name, err)
			}
			mapSet(deploy, "restart_policy", policy)
		}
		mapDelete(svc, "restart")
		v.note("services.*.restart: as deploy.restart_policy (stack deploy ignores restart:)")
	}
	if env := v.opts.Env[name]; len(env) > 0 {
		addEnv(svc, env)
		v.note("services.%s.environment: the update's variable", name)
	}
	return nil
}

// ports rewrites every published port in the long syntax, published in
// host mode on the node its task runs on.
func (v *variant) ports(service string, ports *yaml.Node) error {
	if ports.Kind != yaml.SequenceNode {
		return fmt.Errorf("services.%s.ports: not a list", service)
	}
	for i, p := range ports.Content {
		at := fmt.Sprintf("services.%s.ports[%d]", service, i)
		switch p.Kind {
		case yaml.MappingNode:
			mapSet(p, "mode", scalar("host"))
		case yaml.ScalarNode:
			long, err := longPort(p.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			ports.Content[i] = long
		default:
			return fmt.Errorf("%s: neither a string nor a mapping", at)
		}
	}
	v.note("services.*.ports: the long syntax with mode: host (dnsrr refuses ingress ports)")
	return nil
}

// longPort reads Compose's short port syntax, [HOST:]CONTAINER[/PROTOCOL],
// into the long one. A variable (${WEB_PORT:-5000}) stays as it is, for
// stack deploy to interpolate, which is why the colons inside one do not
// split. A host IP or a range is refused: stackctl refuses both on a swarm.
func longPort(short string) (*yaml.Node, error) {
	spec, protocol, _ := strings.Cut(short, "/")
	parts := splitOutsideVars(spec, ':')
	var published, target string
	switch len(parts) {
	case 1:
		target = parts[0]
	case 2:
		published, target = parts[0], parts[1]
	default:
		return nil, fmt.Errorf("%q: a host IP cannot be published on a swarm", short)
	}
	if strings.Contains(published, "-") && !strings.Contains(published, "${") || strings.Contains(target, "-") {
		return nil, fmt.Errorf("%q: a range of ports cannot be published on a swarm", short)
	}
	n, err := strconv.Atoi(target)
	if err != nil {
		return nil, fmt.Errorf("%q: container port %q is not a number", short, target)
	}
	out := &yaml.Node{Kind: yaml.MappingNode}
	mapSet(out, "target", intScalar(n))
	if published != "" {
		if p, err := strconv.Atoi(published); err == nil {
			mapSet(out, "published", intScalar(p))
		} else {
			mapSet(out, "published", scalar(published))
		}
	}
	mapSet(out, "protocol", scalar(cmp.Or(protocol, "tcp")))
	mapSet(out, "mode", scalar("host"))
	return out, nil
}

// splitOutsideVars splits s at sep, except inside ${...}.
func splitOutsideVars(s string, sep byte) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// restartPolicy is Compose's restart value as deploy.restart_policy.
func restartPolicy(restart string) (*yaml.Node, error) {
	policy := &yaml.Node{Kind: yaml.MappingNode}
	name, count, _ := strings.Cut(restart, ":")
	switch name {
	case "no":
		mapSet(policy, "condition", scalar("none"))
	case "always", "unless-stopped":
		// A swarm has no manual stop for unless-stopped to outlast.
		mapSet(policy, "condition", scalar("any"))
	case "on-failure":
		mapSet(policy, "condition", scalar("on-failure"))
		if count != "" {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("%q: want on-failure[:N]", restart)
			}
			mapSet(policy, "max_attempts", intScalar(n))
		}
	default:
		return nil, fmt.Errorf("%q: want no, always, unless-stopped or on-failure[:N]", restart)
	}
	return policy, nil
}

// addEnv adds variables to a service's environment, whichever form it has:
// a mapping (merge keys included), a list of NAME=value, or an alias of a
// mapping, which becomes a mapping that merges it.
func addEnv(svc *yaml.Node, env map[string]string) {
	node := mapGet(svc, "environment")
	switch {
	case node == nil:
		node = &yaml.Node{Kind: yaml.MappingNode}
		mapSet(svc, "environment", node)
	case node.Kind == yaml.AliasNode:
		merged := &yaml.Node{Kind: yaml.MappingNode}
		mapSet(merged, "<<", node)
		node = merged
		mapSet(svc, "environment", node)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if node.Kind == yaml.SequenceNode {
			node.Content = append(node.Content, scalar(k+"="+env[k]))
			continue
		}
		mapSet(node, k, scalar(env[k]))
	}
}

// scalar is a string; the encoder quotes one that would read as another
// type (a number, true).
func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func intScalar(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

// plainMergeKeys clears the tag of merge keys (<<), which the encoder
// would otherwise spell out (!!merge <<:), so the variant reads as the file.
func plainMergeKeys(n *yaml.Node) {
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 && c.Tag == "!!merge" {
			c.Tag = ""
		}
		plainMergeKeys(c)
	}
}

// mapGet is the value of key in mapping m, or nil.
func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mapSet sets key in mapping m to value, in place when m has it.
func mapSet(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, value)
}

// mapDelete removes key from mapping m and says whether it was there.
func mapDelete(m *yaml.Node, key string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return true
		}
	}
	return false
}
