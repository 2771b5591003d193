package stack

import (
	"fmt"
	"strings"
)

// Labels that mark a resource as stackctl's. Nothing without them is ever
// changed or removed.
const (
	LabelProject     = "io.stackctl.project"
	LabelService     = "io.stackctl.service"
	LabelReplica     = "io.stackctl.replica"
	LabelConfigHash  = "io.stackctl.config-hash"
	LabelOneShot     = "io.stackctl.oneshot"
	LabelNetwork     = "io.stackctl.network"
	LabelVolume      = "io.stackctl.volume"
	LabelContextHash = "io.stackctl.context-hash"
	// LabelBalances marks an edge container with the service it balances,
	// so the deployed shape can be read back from the engine.
	LabelBalances = "io.stackctl.balances"
	// LabelOneOff marks a one-off container of `run`: the project's and
	// its service's, but none of the service's replicas.
	LabelOneOff = "io.stackctl.oneoff"
)

// EdgeImage is the edge load balancer's image.
const EdgeImage = "nginx:1.22"

// EdgeSuffix names a service's edge: web's is web-edge.
const EdgeSuffix = "-edge"

// ContainerName is the engine name of replica (1-based) of svc: its
// container_name when it has one (one replica only), else Compose's
// <project>-<service>-<n>, so scaling never renames a replica.
func (s *Stack) ContainerName(svc *Service, replica int) string {
	if svc.ContainerName != "" {
		return svc.ContainerName
	}
	return fmt.Sprintf("%s-%s-%d", s.Project, svc.Name, replica)
}

// NetworkName is the engine name of the network with the given key.
func (s *Stack) NetworkName(key string) string {
	if n, ok := s.Network(key); ok {
		return n.Name
	}
	return s.Project + "_" + key
}

// VolumeName is the engine name of the volume with the given key.
func (s *Stack) VolumeName(key string) string {
	if v, ok := s.Volume(key); ok {
		return v.Name
	}
	return s.Project + "_" + key
}

// ProjectLabels are the labels every resource of the project carries.
func (s *Stack) ProjectLabels() map[string]string {
	return map[string]string{LabelProject: s.Project}
}

// ProjectName is the project's name.
func (s *Stack) ProjectName() string { return s.Project }

// defaultImage is the image name Compose gives a service that is built and
// names no image.
func defaultImage(project, service string) string {
	return strings.ToLower(project + "-" + service)
}
