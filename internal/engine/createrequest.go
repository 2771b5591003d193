package engine

import (
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/blkiodev"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/go-connections/nat"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stackctl/stackctl/internal/stack"
)

// CreateRequest is what creating a container sends the engine: the
// create call's bodies and platform, then the networks it is connected to
// before it starts.
type CreateRequest struct {
	Config           *container.Config
	HostConfig       *container.HostConfig
	NetworkingConfig *network.NetworkingConfig
	Platform         *ocispec.Platform `json:",omitempty"`
	// Connect are the networks after the first, for engines before API
	// 1.44, which take one network at creation.
	Connect []NetworkJoin `json:",omitempty"`
}

// NetworkJoin is a network a created container joins after its creation.
type NetworkJoin struct {
	Network  string
	Endpoint *network.EndpointSettings
}

// NewCreateRequest is the engine request for spec on an engine that speaks
// apiVersion, with each key mapped as Compose's create.go maps it. What
// that version cannot carry is refused, naming the version that can: the
// engine would drop it without a word.
func NewCreateRequest(spec ContainerSpec, apiVersion string) (CreateRequest, error) {
	older := func(v string) bool { return versions.LessThan(apiVersion, v) }
	needs := func(key, v, engine string) error {
		return fmt.Errorf("container %s: %s needs API %s (Docker Engine %s); the engine speaks API %s", spec.Name, key, v, engine, apiVersion)
	}
	cfg := &container.Config{
		Hostname:     spec.Hostname,
		Domainname:   spec.Domainname,
		Image:        spec.Image,
		Entrypoint:   spec.Entrypoint,
		Cmd:          spec.Cmd,
		WorkingDir:   spec.WorkingDir,
		Env:          spec.Env,
		Labels:       spec.Labels,
		User:         spec.User,
		StopSignal:   spec.StopSignal,
		ExposedPorts: nat.PortSet{},
		Tty:          spec.Tty,
		OpenStdin:    spec.OpenStdin,
		StdinOnce:    spec.OpenStdin && spec.StdinOnce,
	}
	if spec.StopTimeout > 0 {
		secs := int(spec.StopTimeout.Round(time.Second) / time.Second)
		cfg.StopTimeout = &secs
	}
	if hc := spec.Healthcheck; hc != nil {
		cfg.Healthcheck = &container.HealthConfig{
			Test:        hc.Test,
			Interval:    hc.Interval,
			Timeout:     hc.Timeout,
			StartPeriod: hc.StartPeriod,
			Retries:     hc.Retries,
		}
		// Engines before API 1.44 do not know start intervals; stackctl's
		// own probe covers them.
		if !older("1.44") {
			cfg.Healthcheck.StartInterval = hc.StartInterval
		}
	}
	iso := spec.Isolation
	pid := iso.Pid
	if pid == "" {
		pid = spec.PidMode
	}
	host := &container.HostConfig{
		RestartPolicy: container.RestartPolicy{
			Name:              container.RestartPolicyMode(restartName(spec.Restart.Name)),
			MaximumRetryCount: spec.Restart.MaxRetries,
		},
		PortBindings:   nat.PortMap{},
		ReadonlyRootfs: spec.ReadOnlyRootfs,
		Init:           spec.Init,
		CapAdd:         spec.CapAdd,
		CapDrop:        spec.CapDrop,
		SecurityOpt:    spec.SecurityOpt,
		ExtraHosts:     spec.ExtraHosts,
		PidMode:        container.PidMode(pid),
		IpcMode:        container.IpcMode(iso.Ipc),
		UTSMode:        container.UTSMode(iso.Uts),
		UsernsMode:     container.UsernsMode(iso.Userns),
		CgroupnsMode:   container.CgroupnsMode(iso.Cgroup),
		Privileged:     iso.Privileged,
		Isolation:      container.Isolation(iso.Isolation),
		Runtime:        iso.Runtime,
		DNS:            spec.DNS,
		DNSSearch:      spec.DNSSearch,
		DNSOptions:     spec.DNSOptions,
		Sysctls:        spec.Sysctls,
		GroupAdd:       spec.GroupAdd,
		VolumesFrom:    spec.VolumesFrom,
		Links:          spec.Links,
		ShmSize:        spec.Resources.ShmSize,
		OomScoreAdj:    spec.Resources.OomScoreAdj,
		StorageOpt:     spec.Resources.StorageOpt,
		Resources:      resources(iso.CgroupParent, spec.Resources),
	}
	if len(spec.Annotations) > 0 {
		if older("1.43") {
			return CreateRequest{}, needs("annotations", "1.43", "24.0")
		}
		host.Annotations = spec.Annotations
	}
	if l := spec.Logging; l != nil {
		host.LogConfig = container.LogConfig{Type: l.Driver, Config: l.Options}
	}
	for _, e := range spec.Expose {
		ports, err := exposedPorts(e)
		if err != nil {
			return CreateRequest{}, fmt.Errorf("container %s: expose %q: %w", spec.Name, e, err)
		}
		for _, p := range ports {
			cfg.ExposedPorts[p] = struct{}{}
		}
	}
	for _, p := range spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		port := nat.Port(fmt.Sprintf("%d/%s", p.ContainerPort, proto))
		cfg.ExposedPorts[port] = struct{}{}
		hostPort := ""
		if p.HostPort != 0 {
			hostPort = strconv.Itoa(p.HostPort)
		}
		if p.HostPortEnd != 0 {
			hostPort += "-" + strconv.Itoa(p.HostPortEnd)
		}
		host.PortBindings[port] = append(host.PortBindings[port], nat.PortBinding{HostIP: p.HostIP, HostPort: hostPort})
	}
	for _, m := range spec.Mounts {
		if err := addMount(host, m, apiVersion); err != nil {
			return CreateRequest{}, fmt.Errorf("container %s: mount %s: %w", spec.Name, m.Target, err)
		}
	}
	req := CreateRequest{Config: cfg, HostConfig: host}
	if iso.Platform != "" {
		p, err := platform(iso.Platform)
		if err != nil {
			return CreateRequest{}, fmt.Errorf("container %s: %w", spec.Name, err)
		}
		req.Platform = p
	}
	host.NetworkMode = container.NetworkMode(iso.NetworkMode)
	if len(spec.Networks) == 0 {
		if spec.MacAddress != "" {
			if !older("1.44") {
				return CreateRequest{}, fmt.Errorf("container %s: mac_address: from API 1.44 a MAC address is a network's, and it joins none of the stack's networks", spec.Name)
			}
			cfg.MacAddress = spec.MacAddress //nolint:staticcheck // the field of engines before API 1.44
		}
		return req, nil
	}
	// The service's mac_address is its primary network's, as in Compose.
	primary := spec.Networks[0]
	switch {
	case primary.Address.MacAddress == "":
		primary.Address.MacAddress = spec.MacAddress
	case spec.MacAddress != "" && spec.MacAddress != primary.Address.MacAddress:
		return CreateRequest{}, fmt.Errorf("container %s: mac_address: %s differs from network %s's %s", spec.Name, spec.MacAddress, primary.Network, primary.Address.MacAddress)
	}
	host.NetworkMode = container.NetworkMode(primary.Network)
	first, err := endpointSettings(primary, spec.Links, older, needs)
	if err != nil {
		return CreateRequest{}, err
	}
	if older("1.44") && first.MacAddress != "" {
		cfg.MacAddress, first.MacAddress = first.MacAddress, "" //nolint:staticcheck // the field of engines before API 1.44
	}
	req.NetworkingConfig = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{primary.Network: first}}
	for _, ep := range spec.Networks[1:] {
		settings, err := endpointSettings(ep, nil, older, needs)
		if err != nil {
			return CreateRequest{}, err
		}
		if !older("1.44") {
			req.NetworkingConfig.EndpointsConfig[ep.Network] = settings
			continue
		}
		if settings.MacAddress != "" {
			return CreateRequest{}, needs(fmt.Sprintf("a MAC address on network %s, not the first", ep.Network), "1.44", "25.0")
		}
		req.Connect = append(req.Connect, NetworkJoin{Network: ep.Network, Endpoint: settings})
	}
	return req, nil
}

// endpointSettings is ep's endpoint as Compose's createEndpointSettings
// makes it.
func endpointSettings(ep Endpoint, links []string, older func(string) bool, needs func(key, v, engine string) error) (*network.EndpointSettings, error) {
	a := ep.Address
	s := &network.EndpointSettings{Aliases: ep.Aliases, Links: links, MacAddress: a.MacAddress, DriverOpts: a.DriverOpts}
	if a.GwPriority != 0 {
		if older("1.48") {
			return nil, needs(fmt.Sprintf("gw_priority on network %s", ep.Network), "1.48", "28.0")
		}
		s.GwPriority = a.GwPriority
	}
	if a.InterfaceName != "" {
		if older("1.49") {
			return nil, needs(fmt.Sprintf("interface_name on network %s", ep.Network), "1.49", "28.1")
		}
		// As Compose's endpointDriverOpts: the name is a driver option,
		// over one the file gives.
		s.DriverOpts = maps.Clone(a.DriverOpts)
		if s.DriverOpts == nil {
			s.DriverOpts = map[string]string{}
		}
		s.DriverOpts[ifnameOption] = a.InterfaceName
	}
	if a.IPv4Address != "" || a.IPv6Address != "" || len(a.LinkLocalIPs) > 0 {
		s.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: a.IPv4Address, IPv6Address: a.IPv6Address, LinkLocalIPs: a.LinkLocalIPs}
	}
	return s, nil
}

// ifnameOption is the endpoint driver option that names the interface.
const ifnameOption = "com.docker.network.endpoint.ifname"

// resources are Compose's getDeployResources in the engine's terms.
func resources(cgroupParent string, r stack.Resources) container.Resources {
	out := container.Resources{
		CgroupParent:       cgroupParent,
		NanoCPUs:           r.NanoCPUs,
		CPUShares:          r.CPUShares,
		CPUQuota:           r.CPUQuota,
		CPUPeriod:          r.CPUPeriod,
		CpusetCpus:         r.CPUSet,
		Memory:             r.Memory,
		MemoryReservation:  r.MemoryReservation,
		MemorySwap:         r.MemorySwap,
		MemorySwappiness:   r.MemorySwappiness,
		PidsLimit:          r.PidsLimit,
		DeviceCgroupRules:  r.DeviceCgroupRules,
		CPUCount:           r.CPUCount,
		CPUPercent:         r.CPUPercent,
		CPURealtimePeriod:  r.CPURealtimePeriod,
		CPURealtimeRuntime: r.CPURealtimeRuntime,
	}
	if b := r.Blkio; b != nil {
		out.BlkioWeight = b.Weight
		for _, d := range b.WeightDevice {
			out.BlkioWeightDevice = append(out.BlkioWeightDevice, &blkiodev.WeightDevice{Path: d.Path, Weight: d.Weight})
		}
		for _, t := range []struct {
			from []stack.ThrottleDevice
			to   *[]*blkiodev.ThrottleDevice
		}{{b.DeviceReadBps, &out.BlkioDeviceReadBps}, {b.DeviceReadIOps, &out.BlkioDeviceReadIOps}, {b.DeviceWriteBps, &out.BlkioDeviceWriteBps}, {b.DeviceWriteIOps, &out.BlkioDeviceWriteIOps}} {
			for _, d := range t.from {
				*t.to = append(*t.to, &blkiodev.ThrottleDevice{Path: d.Path, Rate: d.Rate})
			}
		}
	}
	if r.OomKillDisable {
		yes := true
		out.OomKillDisable = &yes
	}
	for _, u := range r.Ulimits {
		out.Ulimits = append(out.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	for _, d := range r.Devices {
		out.Devices = append(out.Devices, container.DeviceMapping{PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer, CgroupPermissions: d.CgroupPermissions})
	}
	for _, d := range r.DeviceRequests {
		out.DeviceRequests = append(out.DeviceRequests, container.DeviceRequest{
			Driver: d.Driver, Count: d.Count, DeviceIDs: d.DeviceIDs, Capabilities: d.Capabilities, Options: d.Options,
		})
	}
	return out
}

// addMount adds m to host as Compose's buildContainerVolumes does: a
// bind or named volume marked BindString that needs no option only the
// mount API has as a bind string (HostConfig.Binds), whose missing host
// path the engine makes; a tmpfs of the tmpfs: key through Tmpfs; every
// other one (an image's among them) through the mount API. A bind with
// SELinux relabelling is always a bind string: the mount API has no
// relabelling.
func addMount(host *container.HostConfig, m stack.Mount, apiVersion string) error {
	older := func(v string) bool { return versions.LessThan(apiVersion, v) }
	needs := func(key, v, engine string) error {
		return fmt.Errorf("%s needs API %s (Docker Engine %s); the engine speaks API %s", key, v, engine, apiVersion)
	}
	switch m.Type {
	case stack.MountTmpfs:
		if o := m.Tmpfs; o != nil {
			mt := mount.Mount{Type: mount.TypeTmpfs, Target: m.Target, ReadOnly: m.ReadOnly}
			if o.Size != 0 || o.Mode != 0 {
				mt.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: o.Size, Mode: os.FileMode(o.Mode)}
			}
			host.Mounts = append(host.Mounts, mt)
			return nil
		}
		if host.Tmpfs == nil {
			host.Tmpfs = map[string]string{}
		}
		host.Tmpfs[m.Target] = m.Options
	case stack.MountBind:
		if m.SELinux != "" && m.NoCreateHostPath {
			// Compose sends it through the mount API and drops the label.
			return fmt.Errorf("bind.selinux with bind.create_host_path false: the engine relabels only a bind string, which makes a missing host path")
		}
		if m.SELinux != "" && m.Recursive != "" {
			// Compose sends it through the mount API and drops the label.
			return fmt.Errorf("bind.selinux with bind.recursive: the engine relabels only a bind string, which carries no recursive")
		}
		if m.SELinux != "" || (m.BindString && !bindNeedsMountAPI(m)) {
			host.Binds = append(host.Binds, bindString(m))
			return nil
		}
		mt := mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
		if m.BindString {
			// A bind of the service's volumes: key, which has bind options
			// (else it would be a bind string), as Compose's buildBindOption.
			mt.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(m.Propagation), CreateMountpoint: !m.NoCreateHostPath}
			if err := setRecursive(mt.BindOptions, m.Recursive, older, needs); err != nil {
				return err
			}
		} else if m.Propagation != "" {
			mt.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(m.Propagation)}
		}
		host.Mounts = append(host.Mounts, mt)
	case stack.MountImage:
		// As Compose's checkImageMountSupported: the engine checks an
		// image mount against the version the request speaks.
		if older("1.48") {
			return needs("type image", "1.48", "28.0")
		}
		mt := mount.Mount{Type: mount.TypeImage, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
		if m.Subpath != "" {
			mt.ImageOptions = &mount.ImageOptions{Subpath: m.Subpath}
		}
		host.Mounts = append(host.Mounts, mt)
	default:
		if m.BindString && !volumeNeedsMountAPI(m) {
			host.Binds = append(host.Binds, bindString(m))
			return nil
		}
		mt := mount.Mount{Type: mount.TypeVolume, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
		if volumeNeedsMountAPI(m) {
			if m.Subpath != "" && older("1.45") {
				return needs("subpath", "1.45", "26.0")
			}
			mt.VolumeOptions = &mount.VolumeOptions{NoCopy: m.NoCopy, Subpath: m.Subpath, Labels: m.VolumeLabels}
		}
		host.Mounts = append(host.Mounts, mt)
	}
	return nil
}

// bindNeedsMountAPI is Compose's bindRequiresMountAPI: Compose sends a
// bind with create_host_path: false (a bind string always makes the
// path), a propagation or a recursive through the mount API.
func bindNeedsMountAPI(m stack.Mount) bool {
	return m.NoCreateHostPath || m.Propagation != "" || m.Recursive != ""
}

// setRecursive sets bind.recursive on o as Compose's buildBindOption:
// disabled is NonRecursive (API 1.40); writable and readonly, the
// ReadOnlyNonRecursive and ReadOnlyForceRecursive of API 1.44, which
// older engines would drop without a word.
func setRecursive(o *mount.BindOptions, recursive string, older func(string) bool, needs func(key, v, engine string) error) error {
	switch recursive {
	case "", "enabled":
	case "disabled":
		o.NonRecursive = true
	case "writable", "readonly":
		if older("1.44") {
			return needs("bind.recursive "+recursive, "1.44", "25.0")
		}
		o.ReadOnlyNonRecursive = recursive == "writable"
		o.ReadOnlyForceRecursive = recursive == "readonly"
	default:
		return fmt.Errorf("bind.recursive %q: want enabled, disabled, writable or readonly", recursive)
	}
	return nil
}

// volumeNeedsMountAPI is Compose's volumeRequiresMountAPI: a bind string
// carries no volume labels or subpath. Compose sends nocopy through the
// mount API too, though a bind string could carry it.
func volumeNeedsMountAPI(m stack.Mount) bool {
	return len(m.VolumeLabels) > 0 || m.Subpath != "" || m.NoCopy
}

// bindString is Compose's toBindString: source:target:access[,selinux]
// [,propagation]. Its nocopy is never reached: a volume with nocopy goes
// through the mount API.
func bindString(m stack.Mount) string {
	opts := []string{"rw"}
	if m.ReadOnly {
		opts[0] = "ro"
	}
	if m.SELinux != "" {
		opts = append(opts, m.SELinux)
	}
	if m.Propagation != "" {
		opts = append(opts, m.Propagation)
	}
	return m.Source + ":" + m.Target + ":" + strings.Join(opts, ",")
}

// exposedPorts reads one of expose: port or first-last, with /protocol.
func exposedPorts(e string) ([]nat.Port, error) {
	proto, ports := nat.SplitProtoPort(e)
	if proto == "" {
		proto = "tcp"
	}
	lo, hi, err := nat.ParsePortRangeToInt(ports)
	if err != nil {
		return nil, err
	}
	var out []nat.Port
	for p := lo; p <= hi; p++ {
		port, err := nat.NewPort(proto, strconv.Itoa(p))
		if err != nil {
			return nil, err
		}
		out = append(out, port)
	}
	return out, nil
}

// platform reads os/arch[/variant].
func platform(s string) (*ocispec.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return nil, fmt.Errorf("platform %q: want os/arch[/variant]", s)
	}
	p := &ocispec.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}
