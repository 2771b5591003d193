package main

import (
	"cmp"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// psSummary is a container as `docker compose ps` renders it (Compose's
// cmd/formatter ContainerContext): the object each line of
// `ps --format json` prints and what a --format template reads. Compose
// marshals a map, so its keys come sorted: the fields are in that order,
// and hold Compose's value types (strings, but ExitCode and Publishers).
type psSummary struct {
	Command      string
	CreatedAt    string
	Engine       string
	ExitCode     int
	Health       string
	ID           string
	Image        string
	Labels       string
	LocalVolumes string
	Mounts       string
	Name         string
	Names        string
	Networks     string
	Ports        string
	Project      string
	Publishers   []portPublisher
	RunningFor   string
	Service      string
	Size         string
	State        string
	Status       string

	// Replica is stackctl's, for templates only.
	Replica int `json:"-"`
	labels  map[string]string
}

// portPublisher is one of Compose's Publishers: URL is the host address
// ("" for a port exposed but not published, then PublishedPort is 0).
type portPublisher struct {
	URL           string
	TargetPort    int
	PublishedPort int
	Protocol      string
}

// Label is a label's value, as Compose's {{.Label "name"}}.
func (s psSummary) Label(name string) string { return s.labels[name] }

// composeEngineLabel names the engine a container runs on, Compose's ENGINE column.
const composeEngineLabel = "com.docker.compose.engine"

// psHeaders are Compose's ps column headers, by template field (and
// stackctl's for the fields Compose gives none).
var psHeaders = map[string]any{
	"ID": "CONTAINER ID", "Name": "NAME", "Names": "NAMES", "Service": "SERVICE", "Project": "PROJECT",
	"Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT", "RunningFor": "CREATED",
	"State": "STATE", "Status": "STATUS", "Health": "HEALTH", "ExitCode": "EXIT CODE", "Ports": "PORTS",
	"Publishers": "PUBLISHERS", "Size": "SIZE", "Labels": "LABELS", "Engine": "ENGINE", "Mounts": "MOUNTS",
	"LocalVolumes": "LOCAL VOLUMES", "Networks": "NETWORKS", "Replica": "REPLICA",
}

// psSummaries renders the containers as Compose does, sorted by name as
// Compose sorts them. trunc is Compose's default (no --no-trunc): short
// IDs, and the command and mounts cut to 20 and 15 characters.
func psSummaries(project string, containers []backend.ContainerStatus, now time.Time, trunc bool) []psSummary {
	out := make([]psSummary, len(containers))
	for i, c := range containers {
		out[i] = summarize(project, c, now, trunc)
	}
	slices.SortStableFunc(out, func(a, b psSummary) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func summarize(project string, c backend.ContainerStatus, now time.Time, trunc bool) psSummary {
	// Compose's container summary has health only while running, and an
	// exit code only once exited or dead.
	health, exitCode := "", 0
	switch c.State {
	case "running":
		health = c.Health
	case "exited", "dead":
		exitCode = c.ExitCode
	}
	var created int64
	if !c.Created.IsZero() {
		created = c.Created.Unix()
	}
	engine := c.Labels[composeEngineLabel]
	if c.Node != "" {
		engine = c.Node // on a swarm, the node whose engine runs the task
	}
	local, mounts := 0, make([]string, 0, len(c.Mounts))
	for _, m := range c.Mounts {
		if m.Driver == "local" {
			local++
		}
		name := cmp.Or(m.Name, m.Source)
		if trunc {
			name = ellipsis(name, 15)
		}
		mounts = append(mounts, name)
	}
	id, command := c.ID, c.Command
	if trunc {
		id, command = id[:min(len(id), 12)], ellipsis(command, 20)
	}
	publishers := publishersOf(c.Exposed)
	return psSummary{
		Command:      strconv.Quote(command),
		CreatedAt:    time.Unix(created, 0).String(),
		Engine:       engine,
		ExitCode:     exitCode,
		Health:       health,
		ID:           id,
		Image:        c.Image,
		Labels:       joinLabels(c.Labels),
		LocalVolumes: strconv.Itoa(local),
		Mounts:       strings.Join(mounts, ","),
		Name:         c.Name,
		Names:        namesOf(c, trunc),
		Networks:     strings.Join(c.Networks, ","),
		Ports:        displayablePorts(publishers),
		Project:      project,
		Publishers:   publishers,
		RunningFor:   units.HumanDuration(now.UTC().Sub(time.Unix(created, 0))) + " ago",
		Service:      c.Service,
		Size:         units.HumanSizeWithPrecision(0, 3), // Compose's ps never asks the engine for sizes
		State:        c.State,
		Status:       cmp.Or(c.StatusText, statusText(c, now)),
		Replica:      c.Replica,
		labels:       c.Labels,
	}
}

// publishersOf are the ports as Compose lists them: by container port,
// in the engine's order otherwise; never null.
func publishersOf(ports []stack.Port) []portPublisher {
	out := make([]portPublisher, len(ports))
	for i, p := range ports {
		out[i] = portPublisher{URL: p.HostIP, TargetPort: p.ContainerPort, PublishedPort: p.HostPort, Protocol: p.Protocol}
	}
	slices.SortStableFunc(out, func(a, b portPublisher) int { return cmp.Compare(a.TargetPort, b.TargetPort) })
	return out
}

// namesOf are the container's names without their slash; trunc keeps its
// own name only, not those links give it ("other/alias").
func namesOf(c backend.ContainerStatus, trunc bool) string {
	if len(c.Names) == 0 {
		return c.Name
	}
	names := make([]string, len(c.Names))
	for i, n := range c.Names {
		names[i] = strings.TrimPrefix(n, "/")
	}
	if trunc {
		if own := slices.IndexFunc(names, func(n string) bool { return !strings.Contains(n, "/") }); own >= 0 {
			names = names[own : own+1]
		}
	}
	return strings.Join(names, ",")
}

// joinLabels is Compose's LABELS, k=v joined by commas; sorted, where
// Compose's order is a map's.
func joinLabels(labels map[string]string) string {
	out := make([]string, 0, len(labels))
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		out = append(out, k+"="+labels[k])
	}
	return strings.Join(out, ",")
}

// statusText is the status a swarm task has no text for, worded as the
// engine words a container's; else its state.
func statusText(c backend.ContainerStatus, now time.Time) string {
	switch {
	case c.State == "running" && !c.StartedAt.IsZero():
		status := "Up " + units.HumanDuration(now.Sub(c.StartedAt))
		if c.Health != "" {
			status += " (" + c.Health + ")"
		}
		return status
	case c.State == "exited":
		return fmt.Sprintf("Exited (%d)", c.ExitCode)
	}
	return c.State
}

// ellipsis cuts s to n characters, the last one "…", as the docker CLI's
// formatter.Ellipsis does for text of one column per character.
func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// displayablePorts is the docker CLI's formatter.DisplayablePorts, which
// Compose's PORTS column is: exposed ports and those published on the
// same port grouped into ranges, then the other published ones.
func displayablePorts(publishers []portPublisher) string {
	ports := slices.Clone(publishers)
	// netip.Addr{}.String(), which the CLI sorts an unpublished port's
	// address by.
	ipKey := func(p portPublisher) string { return cmp.Or(p.URL, "invalid IP") }
	slices.SortFunc(ports, func(a, b portPublisher) int {
		return cmp.Or(cmp.Compare(a.TargetPort, b.TargetPort), strings.Compare(ipKey(a), ipKey(b)),
			cmp.Compare(a.PublishedPort, b.PublishedPort), strings.Compare(a.Protocol, b.Protocol))
	})
	type group struct{ first, last int }
	groups := map[string]*group{}
	var keys, result, mappings []string
	for _, p := range ports {
		key := p.Protocol
		if p.URL != "" {
			if p.PublishedPort != p.TargetPort {
				mappings = append(mappings, fmt.Sprintf("%s->%d/%s", net.JoinHostPort(p.URL, strconv.Itoa(p.PublishedPort)), p.TargetPort, p.Protocol))
				continue
			}
			key = p.URL + "/" + p.Protocol
		}
		g := groups[key]
		switch {
		case g == nil:
			groups[key] = &group{p.TargetPort, p.TargetPort}
			keys = append(keys, key)
		case p.TargetPort == g.last+1:
			g.last = p.TargetPort
		default:
			result = append(result, portGroup(key, g.first, g.last))
			groups[key] = &group{p.TargetPort, p.TargetPort}
		}
	}
	for _, key := range keys {
		result = append(result, portGroup(key, groups[key].first, groups[key].last))
	}
	return strings.Join(append(result, mappings...), ", ")
}

// portGroup is the CLI's formGroup: "8000-8001/tcp", or with an address
// "0.0.0.0:8000-8001->8000-8001/tcp".
func portGroup(key string, first, last int) string {
	ip, proto, hasIP := strings.Cut(key, "/")
	if !hasIP {
		ip, proto = "", key
	}
	ports := strconv.Itoa(first)
	if first != last {
		ports += "-" + strconv.Itoa(last)
	}
	if ip != "" {
		ports = net.JoinHostPort(ip, ports) + "->" + ports
	}
	return ports + "/" + proto
}
