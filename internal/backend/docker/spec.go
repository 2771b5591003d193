package docker

import (
	"maps"
	"strconv"

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
	for _, m := range svc.Mounts {
		if m.Type == stack.MountVolume && m.Source != "" {
			m.Source = st.VolumeName(m.Source)
		}
		mounts = append(mounts, m)
	}
	for _, f := range svc.Files {
		mounts = append(mounts, stack.Mount{Type: stack.MountBind, Source: f.Source, Target: f.Target, ReadOnly: true})
	}
	spec := engine.ContainerSpec{
		Name:           name,
		Hostname:       name,
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
	}
	for _, n := range svc.Networks {
		// Every service is reachable by its name, as in Compose.
		aliases := append([]string{svc.Name}, n.Aliases...)
		spec.Networks = append(spec.Networks, engine.Endpoint{Network: st.NetworkName(n.Name), Aliases: aliases})
	}
	return spec
}
