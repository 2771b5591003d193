package orchestrator

import (
	"maps"
	"strconv"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// containerSpec is the engine container for one replica of svc: the
// service's settings in engine terms, with names resolved in the project and
// the labels that make it ours and say what it was made from.
func containerSpec(st *stack.Stack, svc *stack.Service, name string, replica int, hash string) engine.ContainerSpec {
	labels := maps.Clone(svc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, st.ProjectLabels())
	labels[stack.LabelService] = svc.Name
	labels[stack.LabelReplica] = strconv.Itoa(replica)
	labels[stack.LabelConfigHash] = hash
	if svc.OneShot {
		labels[stack.LabelOneShot] = "true"
	}

	env := make([]string, 0, len(svc.Environment))
	for _, e := range svc.Environment {
		env = append(env, e.Name+"="+e.Value)
	}
	mounts := make([]stack.Mount, 0, len(svc.Mounts))
	for _, m := range svc.Mounts {
		m.Volume = st.VolumeName(m.Volume)
		mounts = append(mounts, m)
	}
	spec := engine.ContainerSpec{
		Name:           name,
		Hostname:       name,
		Image:          svc.Image,
		Cmd:            svc.Command,
		Env:            env,
		Labels:         labels,
		User:           svc.User,
		Healthcheck:    svc.Healthcheck,
		Restart:        svc.Restart,
		Ports:          svc.Ports,
		Mounts:         mounts,
		StopSignal:     svc.StopSignal,
		StopTimeout:    svc.StopGracePeriod,
		ReadOnlyRootfs: svc.ReadOnlyRootfs,
		CapDrop:        svc.CapDrop,
		SecurityOpt:    svc.SecurityOpt,
	}
	if len(svc.Networks) > 0 {
		spec.Network = st.NetworkName(svc.Networks[0])
		spec.Aliases = []string{svc.Name}
	}
	return spec
}
