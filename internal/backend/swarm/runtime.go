package swarm

import (
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	swarmapi "github.com/docker/docker/api/types/swarm"
	"github.com/stackctl/stackctl/internal/stack"
)

// runtime sets on cs what a swarm task's container takes of how a service
// runs: hostname, terminal, sysctls, ulimits, DNS, groups, isolation.
func (b *builder) runtime(cs *swarmapi.ContainerSpec) {
	svc := b.svc
	if svc.Naming.Hostname != "" {
		cs.Hostname = svc.Naming.Hostname
	}
	cs.TTY, cs.OpenStdin = svc.Tty, svc.StdinOpen
	cs.Sysctls = svc.Sysctls
	cs.Groups = svc.GroupAdd
	cs.Isolation = container.Isolation(svc.Isolation.Isolation)
	for _, u := range svc.Resources.Ulimits {
		cs.Ulimits = append(cs.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	if n := svc.Naming; len(n.DNS) > 0 || len(n.DNSSearch) > 0 || len(n.DNSOptions) > 0 {
		cs.DNSConfig = &swarmapi.DNSConfig{Nameservers: n.DNS, Search: n.DNSSearch, Options: n.DNSOptions}
	}
}

// resources are the task's limits and reservations: what a swarm
// service's Resources can express.
func (b *builder) resources() *swarmapi.ResourceRequirements {
	r := b.svc.Resources
	var out swarmapi.ResourceRequirements
	if r.NanoCPUs != 0 || r.Memory != 0 || r.PidsLimit != nil {
		out.Limits = &swarmapi.Limit{NanoCPUs: r.NanoCPUs, MemoryBytes: r.Memory}
		if r.PidsLimit != nil {
			out.Limits.Pids = *r.PidsLimit
		}
	}
	if r.ReservedNanoCPUs != 0 || r.MemoryReservation != 0 {
		out.Reservations = &swarmapi.Resources{NanoCPUs: r.ReservedNanoCPUs, MemoryBytes: r.MemoryReservation}
	}
	if out.Limits == nil && out.Reservations == nil {
		return nil
	}
	return &out
}

// logDriver is the task's log driver (logging).
func (b *builder) logDriver() *swarmapi.Driver {
	if l := b.svc.Logging; l != nil && l.Driver != "" {
		return &swarmapi.Driver{Name: l.Driver, Options: l.Options}
	}
	if l := b.svc.Logging; l != nil && len(l.Options) > 0 {
		b.fail("logging.options", "a swarm takes log options with a driver only; name logging.driver")
	}
	return nil
}

// platforms are the task's placement by platform (platform).
func (b *builder) platforms() []swarmapi.Platform {
	p := b.svc.Isolation.Platform
	if p == "" {
		return nil
	}
	os, arch, _ := strings.Cut(p, "/")
	arch, _, _ = strings.Cut(arch, "/")
	return []swarmapi.Platform{{OS: os, Architecture: arch}}
}

// swarmRefusals are the service's keys a swarm service cannot express,
// each refused at its own path: its tasks are the swarm's containers,
// made on whichever node runs them.
func (b *builder) refuseWhatASwarmCannotRun() {
	svc, iso, r := b.svc, b.svc.Isolation, b.svc.Resources
	refuse := func(set bool, key, why string) {
		if set {
			b.fail(key, "not supported on a swarm: %s", why)
		}
	}
	const noField = "a swarm service has no field for it"
	refuse(iso.NetworkMode != "", "network_mode", "a task joins the stack's overlay networks")
	refuse(iso.Privileged, "privileged", "a swarm runs no privileged task; grant cap_add instead")
	refuse(iso.Pid != "", "pid", noField)
	refuse(iso.Ipc != "", "ipc", noField)
	refuse(iso.Uts != "", "uts", noField)
	refuse(iso.Userns != "", "userns_mode", noField)
	refuse(iso.Cgroup != "", "cgroup", noField)
	refuse(iso.CgroupParent != "", "cgroup_parent", noField)
	refuse(iso.Runtime != "", "runtime", noField)
	refuse(svc.Naming.Domainname != "", "domainname", noField)
	refuse(svc.Naming.MacAddress != "", "mac_address", "a swarm assigns its tasks' addresses")
	refuse(r.CPUShares != 0, "cpu_shares", noField)
	refuse(r.CPUQuota != 0, "cpu_quota", noField+" (cpus is one)")
	refuse(r.CPUPeriod != 0, "cpu_period", noField+" (cpus is one)")
	refuse(r.CPUSet != "", "cpuset", noField)
	refuse(r.CPUCount != 0, "cpu_count", noField)
	refuse(r.CPUPercent != 0, "cpu_percent", noField)
	refuse(r.CPURealtimePeriod != 0, "cpu_rt_period", noField)
	refuse(r.CPURealtimeRuntime != 0, "cpu_rt_runtime", noField)
	refuse(r.Blkio != nil, "blkio_config", noField)
	refuse(r.MemorySwap != 0, "memswap_limit", noField)
	refuse(r.MemorySwappiness != nil, "mem_swappiness", noField)
	refuse(r.ShmSize != 0, "shm_size", noField+" (mount a tmpfs at /dev/shm)")
	refuse(r.OomScoreAdj != 0, "oom_score_adj", "it needs API 1.46")
	refuse(r.OomKillDisable, "oom_kill_disable", noField)
	refuse(len(r.Devices) > 0, "devices", noField)
	refuse(len(r.DeviceCgroupRules) > 0, "device_cgroup_rules", noField)
	refuse(len(r.DeviceRequests) > 0, "deploy.resources.reservations.devices", "a swarm reserves generic resources its nodes advertise, not devices (gpus and devices: refused alike)")
	refuse(len(r.StorageOpt) > 0, "storage_opt", noField)
	refuse(len(svc.Annotations) > 0, "annotations", noField)
	refuse(len(svc.VolumesFrom) > 0, "volumes_from", "a task's volumes are its own node's")
	refuse(len(svc.Links) > 0, "links", "services reach each other by name on their networks")
	refuse(len(svc.ExternalLinks) > 0, "external_links", "services reach each other by name on their networks")
	refuse(len(svc.PreStart) > 0, "pre_start", "a swarm starts its tasks itself, with no hook")
	refuse(len(svc.PostStart) > 0, "post_start", "a swarm starts its tasks itself, with no hook")
	refuse(len(svc.PreStop) > 0, "pre_stop", "a swarm stops its tasks itself, with no hook")
	refuse(svc.UseAPISocket, "use_api_socket", "a task runs on any node, whose engine socket and registry credentials are not this machine's")
	for i, m := range svc.Mounts {
		at := fmt.Sprintf("volumes[%d]", i)
		refuse(m.SELinux != "", at+".bind.selinux", "a swarm's bind mount is not relabelled")
		refuse(m.Subpath != "" && m.Type == stack.MountVolume, at+".volume.subpath", "it needs API 1.45 on the swarm")
		refuse(m.Recursive != "", at+".bind.recursive", noField)
		refuse(m.Type == stack.MountImage, at+".type", "a swarm service mounts no image")
	}
	for _, n := range svc.Networks {
		at := "networks." + n.Name
		a := n.Address
		refuse(a.IPv4Address != "", at+".ipv4_address", "a swarm assigns its tasks' addresses")
		refuse(a.IPv6Address != "", at+".ipv6_address", "a swarm assigns its tasks' addresses")
		refuse(a.MacAddress != "", at+".mac_address", "a swarm assigns its tasks' addresses")
		refuse(len(a.LinkLocalIPs) > 0, at+".link_local_ips", "a swarm assigns its tasks' addresses")
		refuse(a.GwPriority != 0, at+".gw_priority", noField)
		refuse(a.InterfaceName != "", at+".interface_name", noField)
	}
}

// volumeDriver is a named volume's driver as a task's node makes it (nil
// v: a volume the file does not declare).
func volumeDriver(v *stack.Volume) *mount.Driver {
	if v == nil || (v.Driver == "" && len(v.DriverOpts) == 0) {
		return nil
	}
	return &mount.Driver{Name: v.Driver, Options: v.DriverOpts}
}
