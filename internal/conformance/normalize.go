package conformance

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ProjectToken stands for the project's name in a normalized state, so
// that paths and values do not depend on the name a run chose.
const ProjectToken = "{project}"

// anonymous is the name the engine gives an anonymous volume.
var anonymous = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// Normalize keeps of s what the compose file decides, in a form that two
// runs of the same file on the same engine give equally:
//   - of a container: its Config, HostConfig, network attachments (aliases,
//     links, IPAM and driver options: not the addresses the engine chose)
//     and mounts, by destination (Mounts//data/Type), its HostConfig's
//     by target (HostConfig/Mounts//data/Type); its ID written
//     "{id}", its host name left out when it is the engine's default (the
//     short ID);
//   - of a network: name, driver, options, labels, and flags; not its ID,
//     creation time, subnets the engine chose, or containers;
//   - of a volume: name, driver, options, labels; not its mount point;
//   - of an image the project built: under each of its names, the Config
//     the build gave it (command, entrypoint, environment, labels, user,
//     working directory, ports, volumes, stop signal, healthcheck); not its
//     ID, layers, creation time or size, which differ between any two
//     builds; an image without a name under "{untagged}#N";
//   - anonymous volumes' names written "{anonymous}", the project's name
//     ProjectToken wherever it occurs (the run's names, conf-<fixture>, are
//     too long to occur by chance), and the lists whose order means
//     nothing sorted.
func Normalize(s State, project string) map[string]any {
	out := map[string]any{"containers": map[string]any{}, "networks": map[string]any{}, "volumes": map[string]any{}, "images": map[string]any{}}
	containers, networks, volumes := out["containers"].(map[string]any), out["networks"].(map[string]any), out["volumes"].(map[string]any)
	images := out["images"].(map[string]any)
	untagged := 0
	for _, id := range sortedNames(s.Images) {
		img := s.Images[id]
		config, _ := img["Config"].(map[string]any)
		config = pick(config, "Cmd", "Entrypoint", "Env", "Labels", "User", "WorkingDir", "ExposedPorts", "Volumes", "StopSignal", "Healthcheck", "OnBuild", "Shell")
		tags, _ := img["RepoTags"].([]any)
		if len(tags) == 0 {
			untagged++
			images[fmt.Sprintf("{untagged}#%d", untagged)] = config
		}
		for _, tag := range tags {
			images[fmt.Sprint(tag)] = config
		}
	}
	for name, c := range s.Containers {
		containers[name] = normalizeContainer(c)
	}
	for name, n := range s.Networks {
		networks[name] = pick(n, "Name", "Driver", "Scope", "EnableIPv6", "Internal", "Attachable", "Ingress", "Options", "Labels")
		if ipam, ok := n["IPAM"].(map[string]any); ok {
			networks[name].(map[string]any)["IPAM"] = pick(ipam, "Driver", "Options")
		}
	}
	anon := 0
	for _, name := range sortedNames(s.Volumes) {
		key := name
		if anonymous.MatchString(name) {
			anon++
			key = fmt.Sprintf("{anonymous}#%d", anon)
		}
		volumes[key] = pick(s.Volumes[name], "Name", "Driver", "Scope", "Options", "Labels")
	}
	return rewrite(out, func(s string) string {
		s = anonymous.ReplaceAllString(s, "{anonymous}")
		if project != "" {
			s = strings.ReplaceAll(s, project, ProjectToken)
		}
		return s
	}).(map[string]any)
}

func normalizeContainer(c map[string]any) map[string]any {
	id, _ := c["Id"].(string)
	out := map[string]any{}
	if config, ok := c["Config"].(map[string]any); ok {
		config = clone(config)
		if len(id) >= 12 && config["Hostname"] == id[:12] {
			delete(config, "Hostname")
		}
		out["Config"] = config
	}
	if host, ok := c["HostConfig"].(map[string]any); ok {
		out["HostConfig"] = host
	}
	attached := map[string]any{}
	if settings, ok := c["NetworkSettings"].(map[string]any); ok {
		networks, _ := settings["Networks"].(map[string]any)
		for name, n := range networks {
			endpoint, _ := n.(map[string]any)
			attached[name] = pick(endpoint, "Aliases", "Links", "IPAMConfig", "DriverOpts", "DNSNames")
		}
	}
	out["Networks"] = attached
	if mounts, ok := c["Mounts"].([]any); ok {
		out["Mounts"] = mounts
	}
	if len(id) >= 12 {
		out = rewrite(out, func(s string) string {
			return strings.ReplaceAll(strings.ReplaceAll(s, id, "{id}"), id[:12], "{id}")
		}).(map[string]any)
	}
	// Sorted once the IDs are rewritten, so both sides sort the same strings.
	if config, ok := out["Config"].(map[string]any); ok {
		sortStrings(config, "Env")
	}
	if host, ok := out["HostConfig"].(map[string]any); ok {
		sortStrings(host, "Binds", "CapAdd", "CapDrop", "ExtraHosts", "SecurityOpt", "Links", "GroupAdd", "Dns", "DnsSearch", "DnsOptions")
	}
	for _, a := range out["Networks"].(map[string]any) {
		sortStrings(a.(map[string]any), "Aliases", "Links", "DNSNames")
	}
	// By destination, so that one side's extra mount shows as that mount,
	// not as every later one shifted.
	if mounts, ok := out["Mounts"].([]any); ok {
		out["Mounts"] = byKey(mounts, "Destination")
	}
	// The request's mounts too, by target: Compose orders them as it
	// walks a map.
	if host, ok := out["HostConfig"].(map[string]any); ok {
		if mounts, ok := host["Mounts"].([]any); ok {
			host["Mounts"] = byKey(mounts, "Target")
		}
	}
	return out
}

// byKey indexes mounts, each a map, by the value of its key.
func byKey(mounts []any, key string) map[string]any {
	out := map[string]any{}
	for _, m := range mounts {
		out[fmt.Sprint(m.(map[string]any)[key])] = m
	}
	return out
}

// pick copies the keys of m that it names.
func pick(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sortStrings sorts the lists of m under keys, whose order means nothing.
func sortStrings(m map[string]any, keys ...string) {
	for _, k := range keys {
		list, ok := m[k].([]any)
		if !ok {
			continue
		}
		list = slices.Clone(list)
		slices.SortFunc(list, func(a, b any) int { return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		m[k] = list
	}
}

// rewrite applies f to every string of v, map keys included.
func rewrite(v any, f func(string) string) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[f(k)] = rewrite(item, f)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = rewrite(item, f)
		}
		return out
	case string:
		return f(v)
	}
	return v
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
