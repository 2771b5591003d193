package stack

import (
	"slices"
	"strings"
)

// Link is one of links: another service of the stack reached under Alias
// (its name when the file gives none).
type Link struct {
	Service string
	Alias   string
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
