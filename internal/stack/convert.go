package stack

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// fromProject builds the stack from a resolved Compose project. Every key
// it cannot honour is refused by name (see unsupported.go): nothing in the
// file is silently dropped.
func fromProject(p *types.Project, files []string, swarm bool) (*Stack, error) {
	if err := refuseUnsupported(p, swarm); err != nil {
		return nil, err
	}
	st := &Stack{Project: p.Name, Source: p, Files: files}
	for _, key := range sortedKeys(p.Networks) {
		n := p.Networks[key]
		st.Networks = append(st.Networks, fromNetwork(p.Name, key, n))
	}
	for _, key := range sortedKeys(p.Volumes) {
		v := p.Volumes[key]
		x, err := volumeExtension(v.Extensions)
		if err != nil {
			return nil, fmt.Errorf("volumes.%s.%w", key, err)
		}
		st.Volumes = append(st.Volumes, Volume{
			Key: key, Name: cmp.Or(v.Name, p.Name+"_"+key), External: bool(v.External), SingleWriter: x.SingleWriter,
			Driver: v.Driver, DriverOpts: v.DriverOpts, Labels: map[string]string(v.Labels),
		})
	}
	for _, name := range sortedKeys(p.Services) {
		if sc := p.Services[name]; sc.Provider != nil {
			prov, err := fromProvider(p, sc)
			if err != nil {
				return nil, fmt.Errorf("services.%s.%w", name, err)
			}
			st.Providers = append(st.Providers, prov)
			continue
		}
		svc, err := fromService(p, p.Services[name])
		if err != nil {
			return nil, fmt.Errorf("services.%s.%w", name, err)
		}
		st.Services = append(st.Services, svc)
	}
	// A service others wait on to complete is a one-shot, as in Compose.
	for i := range st.Services {
		for _, d := range st.Services[i].DependsOn {
			if dep, ok := st.Service(d.Service); ok && d.Condition == ServiceCompletedSuccessfully {
				dep.OneShot = true
			}
		}
	}
	st.Notices = notices(st)
	return st, nil
}

func fromService(p *types.Project, sc types.ServiceConfig) (Service, error) {
	x, err := serviceExtension(sc.Extensions)
	if err != nil {
		return Service{}, err
	}
	svc := Service{
		Name:           sc.Name,
		ContainerName:  sc.ContainerName,
		Image:          sc.Image,
		Entrypoint:     sc.Entrypoint,
		Command:        sc.Command,
		WorkingDir:     sc.WorkingDir,
		Labels:         map[string]string(sc.Labels),
		Replicas:       sc.GetScale(),
		ReplicasFixed:  sc.Scale != nil || (sc.Deploy != nil && sc.Deploy.Replicas != nil),
		User:           sc.User,
		ReadOnlyRootfs: sc.ReadOnly,
		Init:           sc.Init,
		CapAdd:         sc.CapAdd,
		CapDrop:        sc.CapDrop,
		SecurityOpt:    sc.SecurityOpt,
		StopSignal:     sc.StopSignal,
		Readiness:      x.Readiness,
		OneShot:        x.Role == roleOneShot,
		Edge:           x.Edge,
	}
	if sc.StopGracePeriod != nil {
		svc.StopGracePeriod = time.Duration(*sc.StopGracePeriod)
	}
	if sc.ExtraHosts != nil {
		svc.ExtraHosts = sc.ExtraHosts.AsList(":")
		slices.Sort(svc.ExtraHosts)
	}
	if b := sc.Build; b != nil {
		if svc.Build, err = fromBuild(p, b); err != nil {
			return Service{}, fmt.Errorf("build.%w", err)
		}
		if err := checkContextServices(p, sc.Name); err != nil {
			return Service{}, fmt.Errorf("build.%w", err)
		}
		if svc.Image == "" {
			svc.Image = defaultImage(p.Name, sc.Name)
		}
	}
	for _, k := range sortedKeys(sc.Environment) {
		if v := sc.Environment[k]; v != nil {
			svc.Environment = append(svc.Environment, EnvVar{Name: k, Value: *v, Secret: secretName(k)})
		}
	}
	if svc.Healthcheck, err = fromHealthcheck(sc.HealthCheck); err != nil {
		return Service{}, err
	}
	if svc.Restart, err = fromRestart(sc); err != nil {
		return Service{}, err
	}
	for _, dep := range sortedKeys(sc.DependsOn) {
		d := sc.DependsOn[dep]
		if _, ok := p.Services[dep]; !ok && !d.Required {
			continue // an optional dependency a profile left out
		}
		if p.Services[dep].Provider != nil {
			// Run before its dependents are made, waited for by none.
			svc.Providers = append(svc.Providers, dep)
			continue
		}
		svc.DependsOn = append(svc.DependsOn, Dependency{
			Service: dep, Condition: Condition(cmp.Or(d.Condition, string(ServiceStarted))), Required: d.Required, Restart: d.Restart,
		})
	}
	for i, port := range sc.Ports {
		ports, err := fromPort(port)
		if err != nil {
			return Service{}, fmt.Errorf("ports[%d]: %w", i, err)
		}
		svc.Ports = append(svc.Ports, ports...)
	}
	for i, v := range sc.Volumes {
		m, err := fromVolume(v)
		if err != nil {
			return Service{}, fmt.Errorf("volumes[%d]: %w", i, err)
		}
		svc.Mounts = append(svc.Mounts, m)
	}
	for _, t := range sc.Tmpfs {
		target, options, _ := strings.Cut(t, ":")
		svc.Mounts = append(svc.Mounts, Mount{Type: MountTmpfs, Target: target, Options: options})
	}
	for _, name := range sc.NetworksByPriority() {
		n := ServiceNetwork{Name: name}
		if cfg := sc.Networks[name]; cfg != nil {
			n.Aliases = cfg.Aliases
			n.Address = EndpointAddress{
				IPv4Address: cfg.Ipv4Address, IPv6Address: cfg.Ipv6Address, MacAddress: cfg.MacAddress,
				LinkLocalIPs: cfg.LinkLocalIPs, GwPriority: cfg.GatewayPriority, DriverOpts: cfg.DriverOpts,
				InterfaceName: cfg.InterfaceName,
			}
		}
		svc.Networks = append(svc.Networks, n)
	}
	for i, s := range sc.Secrets {
		secret, err := fromSecret(p, types.FileObjectConfig(p.Secrets[s.Source]), types.FileReferenceConfig(s))
		if err != nil {
			return Service{}, fmt.Errorf("secrets[%d]: %w", i, err)
		}
		svc.Secrets = append(svc.Secrets, secret)
	}
	for i, c := range sc.Configs {
		f, err := fileMount(p, "config", "/", types.FileObjectConfig(p.Configs[c.Source]), types.FileReferenceConfig(c))
		if err != nil {
			return Service{}, fmt.Errorf("configs[%d]: %w", i, err)
		}
		svc.Files = append(svc.Files, f)
	}
	if sc.UseAPISocket {
		useAPISocket(&svc)
	}
	if err := fromRuntime(p, sc, &svc); err != nil {
		return Service{}, err
	}
	if d := sc.Deploy; d != nil && d.UpdateConfig != nil {
		u := d.UpdateConfig
		if u.FailureAction != "" && u.FailureAction != "rollback" {
			return Service{}, fmt.Errorf("deploy.update_config.failure_action: %q is not supported: a failed update is rolled back", u.FailureAction)
		}
		if u.Order != "" && u.Order != "start-first" && u.Order != "stop-first" {
			return Service{}, fmt.Errorf("deploy.update_config.order: %q: want start-first or stop-first", u.Order)
		}
		svc.Update = UpdateConfig{Order: u.Order, Monitor: time.Duration(u.Monitor), FailureAction: u.FailureAction}
		if u.Parallelism != nil {
			svc.Update.Parallelism = int(*u.Parallelism)
		}
	}
	sw, err := fromSwarmDeploy(sc.Deploy)
	if err != nil {
		return Service{}, err
	}
	svc.Swarm = sw
	return svc, nil
}

// fromSwarmDeploy reads the deploy keys only a swarm acts on; nil when
// the file sets none.
func fromSwarmDeploy(d *types.DeployConfig) (*SwarmDeploy, error) {
	if d == nil {
		return nil, nil
	}
	var out SwarmDeploy
	switch d.EndpointMode {
	case "", "vip", "dnsrr":
		out.EndpointMode = d.EndpointMode
	default:
		return nil, fmt.Errorf("deploy.endpoint_mode: %q: want vip or dnsrr", d.EndpointMode)
	}
	if len(d.Labels) > 0 {
		out.Labels = map[string]string(d.Labels)
	}
	if rp := d.RestartPolicy; rp != nil {
		if rp.Delay != nil {
			v := time.Duration(*rp.Delay)
			out.RestartDelay = &v
		}
		if rp.Window != nil {
			v := time.Duration(*rp.Window)
			out.RestartWindow = &v
		}
	}
	if u := d.UpdateConfig; u != nil {
		out.UpdateDelay = time.Duration(u.Delay)
		out.UpdateMaxFailureRatio = u.MaxFailureRatio
	}
	if r := d.RollbackConfig; r != nil {
		if r.FailureAction != "" && r.FailureAction != "pause" && r.FailureAction != "continue" {
			return nil, fmt.Errorf("deploy.rollback_config.failure_action: %q: want pause or continue", r.FailureAction)
		}
		if r.Order != "" && r.Order != "start-first" && r.Order != "stop-first" {
			return nil, fmt.Errorf("deploy.rollback_config.order: %q: want start-first or stop-first", r.Order)
		}
		out.Rollback = &RollbackConfig{Delay: time.Duration(r.Delay), FailureAction: r.FailureAction,
			Monitor: time.Duration(r.Monitor), MaxFailureRatio: r.MaxFailureRatio, Order: r.Order}
		if r.Parallelism != nil {
			n := int(*r.Parallelism)
			out.Rollback.Parallelism = &n
		}
	}
	if reflect.ValueOf(out).IsZero() {
		return nil, nil
	}
	return &out, nil
}

func fromHealthcheck(hc *types.HealthCheckConfig) (*Healthcheck, error) {
	if hc == nil {
		return nil, nil
	}
	if hc.Disable || (len(hc.Test) > 0 && hc.Test[0] == "NONE") {
		return &Healthcheck{Test: []string{"NONE"}}, nil
	}
	out := &Healthcheck{Test: hc.Test}
	if len(out.Test) == 0 {
		return nil, fmt.Errorf("healthcheck.test: a healthcheck needs a test (or disable: true)")
	}
	if out.Test[0] == "CMD-SHELL" && len(out.Test) > 2 {
		out.Test = []string{"CMD-SHELL", strings.Join(out.Test[1:], " ")}
	}
	if out.Test[0] != "CMD" && out.Test[0] != "CMD-SHELL" {
		// A plain string test is a shell command, as in Compose.
		out.Test = []string{"CMD-SHELL", strings.Join(out.Test, " ")}
	}
	for _, d := range []struct {
		from *types.Duration
		to   *time.Duration
	}{{hc.Interval, &out.Interval}, {hc.Timeout, &out.Timeout}, {hc.StartPeriod, &out.StartPeriod}, {hc.StartInterval, &out.StartInterval}} {
		if d.from != nil {
			*d.to = time.Duration(*d.from)
		}
	}
	if hc.Retries != nil {
		out.Retries = int(*hc.Retries)
	}
	return out, nil
}

// fromRestart reads restart, else deploy.restart_policy, as Compose does.
func fromRestart(sc types.ServiceConfig) (RestartPolicy, error) {
	if sc.Restart != "" {
		name, retries, found := strings.Cut(sc.Restart, ":")
		r := RestartPolicy{Name: name}
		if found {
			n, err := strconv.Atoi(retries)
			if err != nil || n < 0 {
				return RestartPolicy{}, fmt.Errorf("restart: %q: want on-failure[:N] with N a whole number", sc.Restart)
			}
			r.MaxRetries = n
		}
		if err := r.validate(); err != nil {
			return RestartPolicy{}, fmt.Errorf("restart: %w", err)
		}
		return r, nil
	}
	if sc.Deploy == nil || sc.Deploy.RestartPolicy == nil {
		return RestartPolicy{Name: "no"}, nil
	}
	rp := sc.Deploy.RestartPolicy
	r := RestartPolicy{}
	switch rp.Condition {
	case "", "any":
		r.Name = "always"
	case "on-failure":
		r.Name = "on-failure"
	case "none":
		r.Name = "no"
	default:
		return RestartPolicy{}, fmt.Errorf("deploy.restart_policy.condition: unknown condition %q (want any, on-failure or none)", rp.Condition)
	}
	if rp.MaxAttempts != nil {
		if r.Name != "on-failure" {
			return RestartPolicy{}, fmt.Errorf("deploy.restart_policy.max_attempts: the engine bounds restarts only for on-failure, not %q", rp.Condition)
		}
		r.MaxRetries = int(*rp.MaxAttempts)
	}
	return r, nil
}

// fromPort reads one ports entry; a range of container ports becomes one
// port each.
func fromPort(p types.ServicePortConfig) ([]Port, error) {
	proto := cmp.Or(p.Protocol, "tcp")
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		return nil, fmt.Errorf("protocol: unknown protocol %q (want tcp, udp or sctp)", p.Protocol)
	}
	if p.Target < 1 || p.Target > 65535 {
		return nil, fmt.Errorf("target: container port %d is out of range 1-65535", p.Target)
	}
	out := Port{HostIP: p.HostIP, ContainerPort: int(p.Target), Protocol: proto}
	if p.Published != "" {
		first, last, isRange := strings.Cut(p.Published, "-")
		lo, err := strconv.Atoi(first)
		if err != nil || lo < 0 || lo > 65535 {
			return nil, fmt.Errorf("published: %q is not a host port (0-65535) or range", p.Published)
		}
		out.HostPort = lo
		if isRange {
			hi, err := strconv.Atoi(last)
			if err != nil || hi < lo || hi > 65535 {
				return nil, fmt.Errorf("published: %q is not a host port range", p.Published)
			}
			out.HostPortEnd = hi
		}
	}
	return []Port{out}, nil
}

func fromVolume(v types.ServiceVolumeConfig) (Mount, error) {
	if !path.IsAbs(v.Target) {
		return Mount{}, fmt.Errorf("target: %q is not an absolute path", v.Target)
	}
	m := Mount{Target: v.Target, ReadOnly: v.ReadOnly, Source: v.Source}
	switch v.Type {
	case types.VolumeTypeVolume:
		m.Type = MountVolume
		if o := v.Volume; o != nil {
			m.NoCopy, m.Subpath, m.VolumeLabels = o.NoCopy, o.Subpath, o.Labels
		}
	case types.VolumeTypeBind:
		m.Type = MountBind
		if o := v.Bind; o != nil {
			m.Propagation, m.SELinux, m.Recursive = o.Propagation, o.SELinux, o.Recursive
			m.NoCreateHostPath = !bool(o.CreateHostPath)
		}
	case types.VolumeTypeTmpfs:
		m.Type = MountTmpfs
		m.Source = ""
		m.Tmpfs = &TmpfsOptions{}
		if o := v.Tmpfs; o != nil {
			m.Tmpfs.Size, m.Tmpfs.Mode = int64(o.Size), o.Mode
		}
	case types.VolumeTypeImage:
		m.Type = MountImage
		if o := v.Image; o != nil {
			m.Subpath = o.SubPath
		}
	default:
		return Mount{}, fmt.Errorf("type: %s mounts are not supported (want volume, bind, tmpfs or image)", v.Type)
	}
	return m, nil
}

// objectValue is the content of a secret or config of kind from
// content: or environment: (nil for one from a file), as Compose reads
// it: an environment variable of the project's.
func objectValue(p *types.Project, kind string, obj types.FileObjectConfig, ref types.FileReferenceConfig) ([]byte, error) {
	switch {
	case bool(obj.External):
		return nil, nil // the swarm's existing object holds it
	case obj.File != "":
		return nil, nil
	case obj.Content != "":
		return []byte(obj.Content), nil
	case obj.Environment != "":
		v, ok := p.Environment[obj.Environment]
		if !ok {
			return nil, fmt.Errorf("source: %s %q: environment variable %s is not set", kind, ref.Source, obj.Environment)
		}
		return []byte(v), nil
	}
	return nil, fmt.Errorf("source: %s %q: give it a file:, content: or environment:", kind, ref.Source)
}

// fileAccess is the owner and mode a reference asks for. Compose reads
// uid and gid as numbers (no name: the engine copies a tar archive, whose
// owner is numeric), and fails on another value; so does this.
func fileAccess(ref types.FileReferenceConfig) (FileAccess, error) {
	var a FileAccess
	for _, id := range []struct {
		key, value string
		into       *int
	}{{"uid", ref.UID, &a.UID}, {"gid", ref.GID, &a.GID}} {
		if id.value == "" {
			continue
		}
		n, err := strconv.Atoi(id.value)
		if err != nil || n < 0 {
			return FileAccess{}, fmt.Errorf("%s: %q: give a numeric ID", id.key, id.value)
		}
		*id.into = n
	}
	if ref.Mode != nil {
		if *ref.Mode < 0 || *ref.Mode > 0o7777 {
			return FileAccess{}, fmt.Errorf("mode: %#o: give a file mode, 0 to 07777", *ref.Mode)
		}
		m := uint32(*ref.Mode)
		a.Mode = &m
	}
	return a, nil
}

// fromSecret is a secret from a file, content or the environment, written
// to SecretsDir/<target> with the owner and mode its reference asks for.
func fromSecret(p *types.Project, obj types.FileObjectConfig, ref types.FileReferenceConfig) (Secret, error) {
	value, err := objectValue(p, "secret", obj, ref)
	if err != nil {
		return Secret{}, err
	}
	access, err := fileAccess(ref)
	if err != nil {
		return Secret{}, err
	}
	target := cmp.Or(ref.Target, ref.Source)
	if path.IsAbs(target) {
		if path.Dir(target) != SecretsDir {
			return Secret{}, fmt.Errorf("target: %q: stackctl writes secrets into %s; name a file there", target, SecretsDir)
		}
		target = path.Base(target)
	}
	if target != path.Base(target) || target == "." || target == ".." {
		return Secret{}, fmt.Errorf("target: %q: name a file in %s", ref.Target, SecretsDir)
	}
	return Secret{Name: ref.Source, Target: target, Source: obj.File, Value: value, Access: access, Labels: objectLabels(obj), External: externalName(obj, ref)}, nil
}

// externalName is the name of the existing swarm object an external
// secret or config references: its name:, else its key; "" when it is
// not external.
func externalName(obj types.FileObjectConfig, ref types.FileReferenceConfig) string {
	if !obj.External {
		return ""
	}
	return cmp.Or(obj.Name, ref.Source)
}

// objectLabels are a secret's or config's labels, nil for none.
func objectLabels(obj types.FileObjectConfig) map[string]string {
	if len(obj.Labels) == 0 {
		return nil
	}
	return map[string]string(obj.Labels)
}

// fileMount is a config from a file, mounted read-only where Compose
// mounts it, or from content or the environment, copied there with the
// owner and mode its reference asks for.
func fileMount(p *types.Project, kind, dir string, obj types.FileObjectConfig, ref types.FileReferenceConfig) (FileMount, error) {
	value, err := objectValue(p, kind, obj, ref)
	if err != nil {
		return FileMount{}, err
	}
	access, err := fileAccess(ref)
	if err != nil {
		return FileMount{}, err
	}
	target := ref.Target
	switch {
	case target == "":
		target = path.Join(dir, ref.Source)
	case !path.IsAbs(target):
		target = path.Join(dir, target)
	}
	f := FileMount{Kind: kind, Name: ref.Source, Source: obj.File, Target: target, Value: value, Access: access, Labels: objectLabels(obj), External: externalName(obj, ref)}
	if value != nil {
		sum := sha256.Sum256(value)
		f.Digest = hex.EncodeToString(sum[:])
	}
	return f, nil
}

// secretName says whether an environment variable's name marks its value
// as secret, so that no rendering of the stack prints it.
func secretName(name string) bool {
	n := strings.ToUpper(name)
	if strings.HasSuffix(n, "_FILE") {
		return false // the path of a secret file, not a secret
	}
	for _, word := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE_KEY", "API_KEY", "ACCESS_KEY"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// fromNetwork is network key of the file, named in project as Compose
// names it.
func fromNetwork(project, key string, n types.NetworkConfig) Network {
	out := Network{
		Key: key, Name: cmp.Or(n.Name, project+"_"+key), Driver: n.Driver, External: bool(n.External),
		Internal: n.Internal, Attachable: n.Attachable, EnableIPv4: n.EnableIPv4, EnableIPv6: n.EnableIPv6,
		Labels: map[string]string(n.Labels), DriverOpts: n.DriverOpts,
	}
	if n.Ipam.Driver != "" || len(n.Ipam.Config) > 0 || len(n.Ipam.Options) > 0 {
		out.IPAM = &IPAM{Driver: n.Ipam.Driver, Options: n.Ipam.Options}
		for _, c := range n.Ipam.Config {
			if c != nil {
				out.IPAM.Pools = append(out.IPAM.Pools, IPAMPool{Subnet: c.Subnet, IPRange: c.IPRange, Gateway: c.Gateway, AuxAddresses: c.AuxiliaryAddresses})
			}
		}
	}
	return out
}
