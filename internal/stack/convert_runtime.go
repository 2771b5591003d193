package stack

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/go-connections/nat"
)

// fromRuntime reads the keys that say how a service's containers run
// (resources, namespaces, naming, logging, hooks...) into svc, with the
// mapping Compose's create.go gives each.
func fromRuntime(p *types.Project, sc types.ServiceConfig, svc *Service) error {
	svc.Resources = fromResources(sc)
	svc.Isolation = Isolation{
		NetworkMode: sc.NetworkMode, Pid: sc.Pid, Ipc: sc.Ipc, Uts: sc.Uts, Userns: sc.UserNSMode,
		Cgroup: sc.Cgroup, CgroupParent: sc.CgroupParent, Privileged: sc.Privileged,
		Isolation: sc.Isolation, Runtime: sc.Runtime, Platform: sc.Platform,
	}
	svc.Naming = Naming{
		Hostname: sc.Hostname, Domainname: sc.DomainName, MacAddress: sc.MacAddress,
		DNS: sc.DNS, DNSSearch: sc.DNSSearch, DNSOptions: sc.DNSOpts,
	}
	if l := sc.Logging; l != nil {
		svc.Logging = &Logging{Driver: l.Driver, Options: l.Options}
	}
	svc.Tty, svc.StdinOpen = sc.Tty, sc.StdinOpen
	svc.NoAttach = sc.Attach != nil && !*sc.Attach
	svc.Sysctls = map[string]string(sc.Sysctls)
	svc.Annotations = map[string]string(sc.Annotations)
	svc.GroupAdd = sc.GroupAdd
	// What the engine request cannot read is refused here, at its key,
	// not when a container is made.
	for i, e := range sc.Expose {
		_, ports := nat.SplitProtoPort(e)
		if _, _, err := nat.ParsePortRangeToInt(ports); err != nil {
			return fmt.Errorf("expose[%d]: %q: %w", i, e, err)
		}
	}
	svc.Expose = sc.Expose
	if parts := strings.Split(sc.Platform, "/"); sc.Platform != "" && (len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "") {
		return fmt.Errorf("platform: %q: want os/arch[/variant]", sc.Platform)
	}
	// The service's mac_address is its primary network's, as in Compose.
	if mac := sc.MacAddress; mac != "" && len(svc.Networks) > 0 {
		if n := svc.Networks[0]; n.Address.MacAddress != "" && n.Address.MacAddress != mac {
			return fmt.Errorf("mac_address: %s differs from networks.%s.mac_address %s, its primary network's", mac, n.Name, n.Address.MacAddress)
		}
	}
	svc.ExternalLinks = sc.ExternalLinks
	for i, l := range sc.Links {
		name, alias, _ := strings.Cut(l, ":")
		if _, ok := p.Services[name]; !ok {
			return fmt.Errorf("links[%d]: %q names no service of the project (external_links names containers outside it)", i, name)
		}
		svc.Links = append(svc.Links, Link{Service: name, Alias: alias})
	}
	for i, v := range sc.VolumesFrom {
		from := v
		if !strings.HasPrefix(v, ContainerPrefix) && !strings.HasPrefix(v, ServicePrefix) {
			from = ServicePrefix + v // Compose reads a bare name as a service's
		}
		if name, ok := strings.CutPrefix(from, ServicePrefix); ok {
			name, _, _ = strings.Cut(name, ":")
			if _, ok := p.Services[name]; !ok {
				return fmt.Errorf("volumes_from[%d]: %q names no service of the project (container:<name> names one outside it)", i, name)
			}
		}
		svc.VolumesFrom = append(svc.VolumesFrom, from)
	}
	if name, ok := strings.CutPrefix(sc.NetworkMode, ServicePrefix); ok {
		if _, ok := p.Services[name]; !ok {
			return fmt.Errorf("network_mode: %q names no service of the project", name)
		}
	}
	var err error
	if svc.PullPolicy, svc.PullRefresh, err = sc.GetPullPolicy(); err != nil {
		return fmt.Errorf("pull_policy: %w", err)
	}
	switch svc.PullPolicy {
	case types.PullPolicyIfNotPresent, types.PullPolicyMissing:
		svc.PullPolicy = ""
	case PullAlways, PullRefresh:
		if sc.Build != nil {
			// A pulled image would be rebuilt at once: stackctl rebuilds
			// an image whose build context it did not build from.
			return fmt.Errorf("pull_policy: %q with build: stackctl builds the image from build:; use build, missing or never", sc.PullPolicy)
		}
	case PullBuild:
		if sc.Build == nil {
			return fmt.Errorf("pull_policy: build: the service has no build section")
		}
	}
	svc.PreStart = fromPreStart(sc)
	svc.PostStart = fromHooks(sc.PostStart)
	svc.PreStop = fromHooks(sc.PreStop)
	addImplicitDependencies(svc)
	return nil
}

// addImplicitDependencies makes the services whose containers a service
// references its dependencies, started first, as Compose orders them
// (types.ServiceConfig.GetDependencies).
func addImplicitDependencies(svc *Service) {
	for _, name := range svc.CreatedAfter() {
		if name == svc.Name || slices.ContainsFunc(svc.DependsOn, func(d Dependency) bool { return d.Service == name }) {
			continue
		}
		svc.DependsOn = append(svc.DependsOn, Dependency{Service: name, Condition: ServiceStarted, Required: true})
	}
	slices.SortFunc(svc.DependsOn, func(a, b Dependency) int { return strings.Compare(a.Service, b.Service) })
}

// fromPreStart is the service's pre_start hooks; a hook's image is
// the service's when it names none or the same one.
func fromPreStart(sc types.ServiceConfig) []PreStartHook {
	var out []PreStartHook
	for _, h := range sc.PreStart {
		hook := PreStartHook{Command: h.Command, Entrypoint: h.Entrypoint, User: h.User, WorkingDir: h.WorkingDir}
		if h.Image != sc.Image {
			hook.Image = h.Image
		}
		for _, k := range sortedKeys(h.Environment) {
			if v := h.Environment[k]; v != nil {
				hook.Environment = append(hook.Environment, k+"="+*v)
			}
		}
		out = append(out, hook)
	}
	return out
}

func fromHooks(hooks []types.ServiceHook) []Hook {
	var out []Hook
	for _, h := range hooks {
		hook := Hook{Command: h.Command, User: h.User, Privileged: h.Privileged, WorkingDir: h.WorkingDir}
		for _, k := range sortedKeys(h.Environment) {
			if v := h.Environment[k]; v != nil {
				hook.Environment = append(hook.Environment, k+"="+*v)
			}
		}
		out = append(out, hook)
	}
	return out
}

// fromResources is Compose's getDeployResources: the service's own keys,
// then deploy.resources over them.
func fromResources(sc types.ServiceConfig) Resources {
	r := Resources{
		NanoCPUs:           int64(float64(sc.CPUS) * 1e9),
		CPUShares:          sc.CPUShares,
		CPUQuota:           sc.CPUQuota,
		CPUPeriod:          sc.CPUPeriod,
		CPUSet:             sc.CPUSet,
		Memory:             int64(sc.MemLimit),
		MemoryReservation:  int64(sc.MemReservation),
		MemorySwap:         int64(sc.MemSwapLimit),
		ShmSize:            int64(sc.ShmSize),
		OomScoreAdj:        int(sc.OomScoreAdj),
		OomKillDisable:     sc.OomKillDisable,
		DeviceCgroupRules:  sc.DeviceCgroupRules,
		StorageOpt:         sc.StorageOpt,
		CPUCount:           sc.CPUCount,
		CPUPercent:         int64(sc.CPUPercent * 100), // as Compose sends it
		CPURealtimePeriod:  sc.CPURTPeriod,
		CPURealtimeRuntime: sc.CPURTRuntime,
	}
	if b := sc.BlkioConfig; b != nil {
		r.Blkio = &Blkio{Weight: b.Weight}
		for _, d := range b.WeightDevice {
			r.Blkio.WeightDevice = append(r.Blkio.WeightDevice, WeightDevice{Path: d.Path, Weight: d.Weight})
		}
		for _, t := range []struct {
			from []types.ThrottleDevice
			to   *[]ThrottleDevice
		}{{b.DeviceReadBps, &r.Blkio.DeviceReadBps}, {b.DeviceReadIOps, &r.Blkio.DeviceReadIOps}, {b.DeviceWriteBps, &r.Blkio.DeviceWriteBps}, {b.DeviceWriteIOps, &r.Blkio.DeviceWriteIOps}} {
			for _, d := range t.from {
				*t.to = append(*t.to, ThrottleDevice{Path: d.Path, Rate: uint64(d.Rate)})
			}
		}
	}
	if sc.MemSwappiness != 0 {
		v := int64(sc.MemSwappiness)
		r.MemorySwappiness = &v
	}
	if sc.PidsLimit != 0 {
		v := sc.PidsLimit
		r.PidsLimit = &v
	}
	if d := sc.Deploy; d != nil {
		if l := d.Resources.Limits; l != nil {
			if l.MemoryBytes != 0 {
				r.Memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs != 0 {
				r.NanoCPUs = int64(float64(l.NanoCPUs) * 1e9)
			}
			if l.Pids > 0 {
				v := l.Pids
				r.PidsLimit = &v
			}
		}
		if res := d.Resources.Reservations; res != nil {
			if res.MemoryBytes != 0 {
				r.MemoryReservation = int64(res.MemoryBytes)
			}
			r.ReservedNanoCPUs = int64(float64(res.NanoCPUs) * 1e9)
			for _, dev := range res.Devices {
				r.DeviceRequests = append(r.DeviceRequests, DeviceRequest{
					Driver: dev.Driver, Count: int(dev.Count), DeviceIDs: dev.IDs,
					Capabilities: [][]string{dev.Capabilities}, Options: dev.Options,
				})
			}
		}
	}
	var cdi []string
	for _, d := range sc.Devices {
		// A CDI name (vendor.com/class=name) given as both ends is a
		// request to the cdi driver, as Compose reads it.
		if d.Source == d.Target && strings.Contains(d.Source, "/") && strings.Contains(d.Source, "=") && !strings.HasPrefix(d.Source, "/") {
			cdi = append(cdi, d.Source)
			continue
		}
		r.Devices = append(r.Devices, Device{PathOnHost: d.Source, PathInContainer: d.Target, CgroupPermissions: d.Permissions})
	}
	if len(cdi) > 0 {
		r.DeviceRequests = append(r.DeviceRequests, DeviceRequest{Driver: "cdi", DeviceIDs: cdi})
	}
	for _, g := range sc.Gpus {
		r.DeviceRequests = append(r.DeviceRequests, DeviceRequest{
			Driver: g.Driver, Count: int(g.Count), DeviceIDs: g.IDs,
			Capabilities: [][]string{append(slices.Clone(g.Capabilities), "gpu")}, Options: g.Options,
		})
	}
	for _, name := range slices.Sorted(maps.Keys(sc.Ulimits)) {
		u := sc.Ulimits[name]
		soft, hard := u.Single, u.Single
		if u.Soft != 0 {
			soft = u.Soft
		}
		if u.Hard != 0 {
			hard = u.Hard
		}
		r.Ulimits = append(r.Ulimits, Ulimit{Name: name, Soft: int64(soft), Hard: int64(hard)})
	}
	return r
}

// The pull policies a service's PullPolicy holds ("" pulls a missing
// image), as compose-go names them.
const (
	PullAlways  = types.PullPolicyAlways
	PullNever   = types.PullPolicyNever
	PullBuild   = types.PullPolicyBuild
	PullRefresh = types.PullPolicyRefresh
)
