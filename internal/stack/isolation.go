package stack

import (
	"slices"
	"strings"
)

// Isolation is how a service's containers are set apart from the host and
// each other: the namespaces they join, their cgroup, the runtime that
// runs them. "" leaves each to the engine.
type Isolation struct {
	// NetworkMode is network_mode: host, none, bridge, service:<name>
	// (the first replica of a service of the stack) or container:<name>.
	// "" joins the stack's networks.
	NetworkMode  string `json:",omitempty"`
	Pid          string `json:",omitempty"`
	Ipc          string `json:",omitempty"`
	Uts          string `json:",omitempty"`
	Userns       string `json:",omitempty"`
	Cgroup       string `json:",omitempty"`
	CgroupParent string `json:",omitempty"`
	Privileged   bool   `json:",omitempty"`
	// Isolation is the engine's isolation technology (Windows: process
	// or hyperv; default elsewhere).
	Isolation string `json:",omitempty"`
	Runtime   string `json:",omitempty"`
	// Platform is os/arch[/variant] of the image the container runs.
	Platform string `json:",omitempty"`
}

// CreatedAfter names the services whose containers svc's containers are
// made with (network_mode, pid or ipc service:<name>, volumes_from,
// links): the engine resolves those by name when it creates the
// container, so theirs must exist first.
func (svc *Service) CreatedAfter() []string {
	var names []string
	for _, mode := range []string{svc.Isolation.NetworkMode, svc.Isolation.Pid, svc.Isolation.Ipc} {
		if name, ok := strings.CutPrefix(mode, ServicePrefix); ok {
			names = append(names, name)
		}
	}
	for _, v := range svc.VolumesFrom {
		if name, ok := strings.CutPrefix(v, ServicePrefix); ok {
			name, _, _ = strings.Cut(name, ":")
			names = append(names, name)
		}
	}
	for _, l := range svc.Links {
		names = append(names, l.Service)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// ServicePrefix starts a network_mode, volumes_from entry or pid/ipc mode
// that names a service of the stack.
const ServicePrefix = "service:"

// ContainerPrefix starts one that names a container outside the stack.
const ContainerPrefix = "container:"
