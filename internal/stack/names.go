package stack

import "fmt"

// DefaultProject is the project that keeps the seed stack's resource names
// unprefixed (postgres-db, app-network, ...).
const DefaultProject = "day-34"

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
)

// prefixed returns name as the engine knows it in this stack's project.
func (s *Stack) prefixed(name string) string {
	if s.Project == "" || s.Project == DefaultProject {
		return name
	}
	return s.Project + "-" + name
}

// ContainerName is the engine name of replica (1-based) of svc when the
// service runs replicas containers. Replicas are numbered when there are
// several, and always behind a load balancer, so scaling never renames them.
func (s *Stack) ContainerName(svc *Service, replica, replicas int) string {
	base := svc.ContainerName
	if base == "" {
		base = svc.Name
	}
	if _, balanced := s.BalancerOf(svc.Name); replicas > 1 || balanced {
		base = fmt.Sprintf("%s-%d", base, replica)
	}
	return s.prefixed(base)
}

// NetworkName is the engine name of the stack's network.
func (s *Stack) NetworkName(network string) string { return s.prefixed(network) }

// VolumeName is the engine name of the stack's volume.
func (s *Stack) VolumeName(volume string) string { return s.prefixed(volume) }

// ProjectLabels are the labels every resource of the project carries.
func (s *Stack) ProjectLabels() map[string]string {
	return map[string]string{LabelProject: s.ProjectName()}
}

// ProjectName is the project's name, the default one when none was set.
func (s *Stack) ProjectName() string {
	if s.Project == "" {
		return DefaultProject
	}
	return s.Project
}
