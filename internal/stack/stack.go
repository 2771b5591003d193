// Package stack is the model of a multi-container stack: services, their
// images or builds, dependencies, restart policies, ports, mounts, networks
// and volumes. It knows nothing of Docker's API; internal/engine translates it.
package stack

import "time"

// Stack is a set of services deployed together under one project name.
type Stack struct {
	// Project names this deployment. Every resource carries it as a label,
	// and a non-default project prefixes container, network and volume names
	// so several projects can share one engine.
	Project  string
	Services []Service
	Networks []Network
	Volumes  []Volume
}

// Service is one tier of the stack, run as one or more identical containers.
type Service struct {
	Name string
	// ContainerName is the container's name for a single replica; replicas
	// are named ContainerName-1, -2, ...
	ContainerName string
	Image         string
	Build         *Build
	Command       []string
	Environment   []EnvVar
	Healthcheck   *Healthcheck
	// LoadBalancer makes this service the load balancer of another one:
	// stackctl configures it with the target's healthy replicas.
	LoadBalancer *LoadBalancer
	// Readiness is a command run in the container that exits 0 when the
	// service can do its job, dependencies included (a healthcheck only
	// says the process is alive). Optional.
	Readiness []string
	DependsOn []Dependency
	Restart   RestartPolicy
	Ports     []Port
	Mounts    []Mount
	Networks  []string
	Labels    map[string]string
	Replicas  int
	// OneShot marks a task that runs to completion (a migration), not a
	// server: an exit 0 is success, and convergence does not re-run it.
	OneShot         bool
	StopSignal      string
	StopGracePeriod time.Duration
	User            string
	ReadOnlyRootfs  bool
	CapDrop         []string
	SecurityOpt     []string
}

// Build says how to build a service's image from a directory.
type Build struct {
	Context    string
	Dockerfile string
}

// EnvVar is one environment variable. Secret values are never printed.
type EnvVar struct {
	Name   string
	Value  string
	Secret bool
}

// Healthcheck mirrors the engine's healthcheck; Test is in the engine's form
// (["CMD", ...] or ["CMD-SHELL", "..."]), or ["NONE"] to turn off the one the
// image declares.
type Healthcheck struct {
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	// StartInterval is the probe interval inside StartPeriod; engines
	// before API 1.44 ignore it.
	StartInterval time.Duration
	Retries       int
}

// Condition is what a dependent waits for before it starts.
type Condition string

// The conditions of Compose's depends_on.
const (
	ServiceStarted               Condition = "service_started"
	ServiceHealthy               Condition = "service_healthy"
	ServiceCompletedSuccessfully Condition = "service_completed_successfully"
)

// Dependency is one entry of a service's depends_on.
type Dependency struct {
	Service   string
	Condition Condition
}

// RestartPolicy is the engine's restart policy for a service's containers.
type RestartPolicy struct {
	// Name is "no", "always", "unless-stopped" or "on-failure".
	Name string
	// MaxRetries bounds on-failure restarts; 0 means unbounded.
	MaxRetries int
}

// Port publishes a container port on the host. HostPort 0 lets the engine
// choose a free port.
type Port struct {
	HostIP        string
	HostPort      int
	ContainerPort int
	Protocol      string
}

// LoadBalancer is what a balancing service balances.
type LoadBalancer struct {
	// Target is the balanced service.
	Target string
	// TargetPort is the port the target's replicas serve on.
	TargetPort int
	// ListenPort is the port the balancer listens on in its container.
	ListenPort int
}

// Mount attaches a named volume of the stack to a path in the container.
type Mount struct {
	Volume   string
	Target   string
	ReadOnly bool
}

// Network is a user-defined network of the stack.
type Network struct {
	Name   string
	Driver string
}

// Volume is a named volume of the stack.
type Volume struct {
	Name string
}

// Service returns the service with the given name.
func (s *Stack) Service(name string) (*Service, bool) {
	for i := range s.Services {
		if s.Services[i].Name == name {
			return &s.Services[i], true
		}
	}
	return nil, false
}

// ServiceNames lists the services in declaration order.
func (s *Stack) ServiceNames() []string {
	names := make([]string, len(s.Services))
	for i, svc := range s.Services {
		names[i] = svc.Name
	}
	return names
}

// Env returns the value of the service's environment variable name.
func (svc *Service) Env(name string) (string, bool) {
	for _, e := range svc.Environment {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// Enabled reports whether the healthcheck probes anything: it is set and
// does not turn off the image's own.
func (h *Healthcheck) Enabled() bool {
	return h != nil && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// BalancerOf returns the service that load-balances service, if any.
func (s *Stack) BalancerOf(service string) (*Service, bool) {
	for i := range s.Services {
		if lb := s.Services[i].LoadBalancer; lb != nil && lb.Target == service {
			return &s.Services[i], true
		}
	}
	return nil, false
}
