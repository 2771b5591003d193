package docker

import (
	"cmp"
	"maps"
	"strconv"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// containerSpec is the engine container for one replica of svc (0: a
// one-off) made from imageID: the service's settings in engine terms, with
// names resolved in the project, the labels that make it ours and say what
// it was made from, and Compose's beside them.
func containerSpec(st *stack.Stack, svc *stack.Service, name string, replica int, hash, imageID string) engine.ContainerSpec {
	labels := maps.Clone(svc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, st.ComposeServiceLabels(svc, replica, imageID))
	maps.Copy(labels, st.ProjectLabels())
	labels[stack.LabelService] = svc.Name
	labels[stack.LabelReplica] = strconv.Itoa(replica)
	labels[stack.LabelConfigHash] = hash
	if svc.OneShot {
		labels[stack.LabelOneShot] = "true"
	}
	if lb := svc.LoadBalancer; lb != nil {
		labels[stack.LabelBalances] = lb.Target
	}

	env := make([]string, 0, len(svc.Environment))
	for _, e := range svc.Environment {
		env = append(env, e.Name+"="+e.Value)
	}
	mounts := make([]stack.Mount, 0, len(svc.Mounts)+len(svc.Files))
	// The service's binds and named volumes go as bind strings where they
	// can, as Compose's do; its anonymous volumes (named later, by
	// nameUnnamedVolumes), secrets and configs through the mount API.
	for _, m := range svc.Mounts {
		switch {
		case m.Type == stack.MountVolume && m.Source != "":
			m.Source = st.VolumeName(m.Source)
			m.BindString = true
		case m.Type == stack.MountBind:
			m.BindString = true
		}
		mounts = append(mounts, m)
	}
	for _, f := range svc.Files {
		if f.Source == "" {
			continue // copied in after creation (copyConfigs)
		}
		mounts = append(mounts, stack.Mount{Type: stack.MountBind, Source: f.Source, Target: f.Target, ReadOnly: true})
	}
	iso := svc.Isolation
	iso.NetworkMode = resolveServiceRef(st, iso.NetworkMode)
	iso.Pid = resolveServiceRef(st, iso.Pid)
	iso.Ipc = resolveServiceRef(st, iso.Ipc)
	// Without hostname: the engine's default, the short container ID, as
	// Compose leaves it.
	spec := engine.ContainerSpec{
		Name:           name,
		Hostname:       svc.Naming.Hostname,
		Image:          svc.Image,
		Entrypoint:     svc.Entrypoint,
		Cmd:            svc.Command,
		WorkingDir:     svc.WorkingDir,
		Env:            env,
		Labels:         labels,
		User:           svc.User,
		Healthcheck:    svc.Healthcheck,
		Restart:        svc.Restart,
		Ports:          svc.Ports,
		Mounts:         mounts,
		ExtraHosts:     svc.ExtraHosts,
		StopSignal:     svc.StopSignal,
		StopTimeout:    svc.StopGracePeriod,
		ReadOnlyRootfs: svc.ReadOnlyRootfs,
		Init:           svc.Init,
		CapAdd:         svc.CapAdd,
		CapDrop:        svc.CapDrop,
		SecurityOpt:    svc.SecurityOpt,
		Domainname:     svc.Naming.Domainname,
		MacAddress:     svc.Naming.MacAddress,
		DNS:            svc.Naming.DNS,
		DNSSearch:      svc.Naming.DNSSearch,
		DNSOptions:     svc.Naming.DNSOptions,
		Tty:            svc.Tty,
		OpenStdin:      svc.StdinOpen,
		Resources:      svc.Resources,
		Isolation:      iso,
		Logging:        svc.Logging,
		Sysctls:        svc.Sysctls,
		Annotations:    svc.Annotations,
		GroupAdd:       svc.GroupAdd,
		Expose:         svc.Expose,
		Links:          links(st, svc, replica),
	}
	for _, v := range svc.VolumesFrom {
		spec.VolumesFrom = append(spec.VolumesFrom, strings.TrimPrefix(resolveServiceRef(st, v), stack.ContainerPrefix))
	}
	for _, n := range svc.Networks {
		// The container is reachable by its name, and every service by
		// its own, as Compose's getAliases has them.
		aliases := append([]string{name, svc.Name}, n.Aliases...)
		spec.Networks = append(spec.Networks, engine.Endpoint{Network: st.NetworkName(n.Name), Aliases: aliases, Address: n.Address})
	}
	return spec
}

// resolveServiceRef turns service:<name>[:rest], a mode or volumes_from
// that names a service of the stack, into container:<its first
// replica>[:rest], as Compose resolves it; anything else is as given.
func resolveServiceRef(st *stack.Stack, ref string) string {
	rest, ok := strings.CutPrefix(ref, stack.ServicePrefix)
	if !ok {
		return ref
	}
	name, suffix, _ := strings.Cut(rest, ":")
	target, ok := st.Service(name)
	if !ok {
		return ref // the loader refuses an unknown service first
	}
	out := stack.ContainerPrefix + st.ContainerName(target, 1)
	if suffix != "" {
		out += ":" + suffix
	}
	return out
}

// links are the service's links as Compose's getLinks makes them: each
// replica of a linked service under the link's alias, <service>-<n> and
// <project>-<service>-<n> (n the linking replica's number), then
// external_links as given.
func links(st *stack.Stack, svc *stack.Service, replica int) []string {
	var out []string
	for _, l := range svc.Links {
		target, ok := st.Service(l.Service)
		if !ok {
			continue // the loader refuses an unknown service first
		}
		alias := cmp.Or(l.Alias, l.Service)
		n := strconv.Itoa(replica)
		for i := 1; i <= max(target.Replicas, 1); i++ {
			c := st.ContainerName(target, i)
			out = append(out, c+":"+alias, c+":"+l.Service+"-"+n, c+":"+st.Project+"-"+l.Service+"-"+n)
		}
	}
	for _, l := range svc.ExternalLinks {
		name, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = name
		}
		out = append(out, name+":"+alias)
	}
	return out
}
