// Package stack is the model of a multi-container stack, built from a
// Compose project loaded by compose-go: services, their images or builds,
// dependencies, restart policies, ports, mounts, networks and volumes, with
// the engine names Compose gives them. It knows nothing of Docker's API;
// internal/engine translates it.
package stack

import (
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// Stack is a set of services deployed together under one project name.
type Stack struct {
	// Project names this deployment. Every resource carries it as a label,
	// and resources without a name of their own are named after it.
	Project  string
	Services []Service
	// Providers are the services a provider executable stands for (see
	// provider.go): they have no container.
	Providers []Provider
	Networks  []Network
	Volumes   []Volume
	// Source is the resolved Compose project the stack was built from,
	// for rendering it back as a Compose file.
	Source *types.Project
	// Files names the Compose files it was loaded from, for messages.
	Files []string
	// Notices are things the user should know about the file that do not
	// stop it from running.
	Notices []string
}

// Service is one tier of the stack, run as one or more identical containers.
type Service struct {
	Name string
	// ContainerName is the container's fixed name (container_name); ""
	// names containers <project>-<service>-<n>, as Compose does.
	ContainerName string
	Image         string
	Build         *Build
	Entrypoint    []string
	Command       []string
	WorkingDir    string
	Environment   []EnvVar
	Healthcheck   *Healthcheck
	// Readiness is a command run in the container that exits 0 when the
	// service can do its job, dependencies included (a healthcheck only
	// says the process is alive). Optional (x-stackctl.readiness).
	Readiness []string
	DependsOn []Dependency
	// Providers name the provider services it depends on, whose
	// variables it gets (see provider.go).
	Providers []string `json:",omitempty"`
	Restart   RestartPolicy
	Ports     []Port
	Mounts    []Mount
	// Files are configs: host files mounted read-only.
	Files []FileMount
	// Secrets are files under /run/secrets that stackctl writes into the
	// service's containers through the engine's API.
	Secrets    []Secret
	Networks   []ServiceNetwork
	ExtraHosts []string
	Labels     map[string]string
	Replicas   int
	// ReplicasFixed says the file sets Replicas (scale, deploy.replicas);
	// otherwise a running deployment keeps its count.
	ReplicasFixed bool
	// Update says how replicas are replaced when the service changes.
	Update UpdateConfig
	// Swarm is what deploy says that only a swarm acts on; nil when the
	// file says none of it.
	Swarm *SwarmDeploy `json:",omitempty"`
	// OneShot marks a task that runs to completion (a migration), not a
	// server: an exit 0 is success, and convergence does not re-run it.
	OneShot bool
	// Edge says when the service is put behind a load balancer that takes
	// over its published port.
	Edge EdgeMode
	// LoadBalancer makes this service the load balancer of another one:
	// stackctl configures it with the target's healthy replicas.
	LoadBalancer    *LoadBalancer
	StopSignal      string
	StopGracePeriod time.Duration
	User            string
	ReadOnlyRootfs  bool
	Init            *bool
	CapAdd          []string
	CapDrop         []string
	SecurityOpt     []string
	// The fields below are left out of the config hash when zero, so a
	// container made before they were is not out of date for them.
	Resources Resources `json:",omitzero"`
	Isolation Isolation `json:",omitzero"`
	Naming    Naming    `json:",omitzero"`
	Logging   *Logging  `json:",omitzero"`
	// NoAttach is attach: false: logs leaves the service's output out
	// unless it is named, as Compose's does.
	NoAttach bool `json:",omitzero"`
	// Tty and StdinOpen are tty and stdin_open.
	Tty         bool              `json:",omitzero"`
	StdinOpen   bool              `json:",omitzero"`
	Sysctls     map[string]string `json:",omitzero"`
	Annotations map[string]string `json:",omitzero"`
	GroupAdd    []string          `json:",omitzero"`
	// Expose are container ports the image does not declare, exposed
	// without being published ("80", "8000-8001/udp").
	Expose []string `json:",omitzero"`
	// VolumesFrom are service:<name>[:ro|rw] or container:<name>[:ro|rw].
	VolumesFrom   []string `json:",omitzero"`
	Links         []Link   `json:",omitzero"`
	ExternalLinks []string `json:",omitzero"`
	// PullPolicy is missing, always, never, build or refresh (a timed
	// pull_policy, refreshed once PullRefresh has passed since the image
	// was made). "" is missing.
	PullPolicy  string         `json:",omitzero"`
	PullRefresh time.Duration  `json:",omitzero"`
	PreStart    []PreStartHook `json:",omitzero"`
	PostStart   []Hook         `json:",omitzero"`
	PreStop     []Hook         `json:",omitzero"`
	// UseAPISocket gives the containers the engine's socket and the
	// docker CLI's registry credentials (see apisocket.go).
	UseAPISocket bool `json:",omitzero"`
}

// Build says how to build a service's image (see build.go).
type Build struct {
	// Context is the build context's directory; ContextURL instead is a
	// Git repository or a tarball's URL, which the engine fetches.
	Context    string
	ContextURL string
	// Dockerfile is its path in the context; DockerfileInline is its
	// content, when the file gives it.
	Dockerfile       string
	DockerfileInline string
	Args             map[string]string
	Target           string
	Labels           map[string]string
	// Tags are more names for the built image.
	Tags    []string
	NoCache bool
	// NoCacheFilter are the stages the build takes nothing of from the
	// cache (no_cache is all of them).
	NoCacheFilter []string `json:",omitempty"`
	Pull          bool
	Network       string
	ExtraHosts    []string // "host:ip"
	ShmSize       int64
	Ulimits       []Ulimit
	Platform      string
	Isolation     string
	// CacheFrom are images whose inline cache the build may use;
	// InlineCache writes the build's cache into its image (cache_to:
	// type=inline).
	CacheFrom   []string
	InlineCache bool
	Secrets     []BuildSecret
	SSH         []BuildSSH
	// Platforms are the platforms of a build for several (Platform is
	// the one of a build for one).
	Platforms []string `json:",omitempty"`
	// AdditionalContexts are the build's named contexts, by name: an
	// absolute directory, "service:NAME" (the image of that service's
	// build, built first), or a reference the builder resolves itself
	// (docker-image://, a Git or tarball URL, oci-layout://).
	AdditionalContexts map[string]string `json:",omitempty"`
	// Entitlements are what the build asks its builder to allow
	// (network.host, security.insecure); Privileged asks for
	// security.insecure too.
	Entitlements []string `json:",omitempty"`
	Privileged   bool     `json:",omitempty"`
	// Attests are the attestations the build makes, by type
	// ("provenance", "sbom"): each BuildKit's attest:<type> attribute, as
	// buildx writes it ("type=provenance,mode=max").
	Attests map[string]string `json:",omitempty"`
}

// BuildSecret is a secret the build's RUN steps may mount by ID: the
// content of File or of the environment variable Env.
type BuildSecret struct {
	ID   string
	File string
	Env  string
}

// BuildSSH is an SSH agent socket or keys (Paths) the build's RUN steps may
// use by ID; no path is $SSH_AUTH_SOCK.
type BuildSSH struct {
	ID    string
	Paths []string
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
	// before API 1.44 ignore it (stackctl's own probe covers them).
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
	// Required false lets the dependent start when the dependency is not
	// part of the stack (a profile left it out) or fails.
	Required bool
	// Restart restarts the dependent when the dependency was recreated.
	Restart bool
}

// RestartPolicy is the engine's restart policy for a service's containers.
type RestartPolicy struct {
	// Name is "no", "always", "unless-stopped" or "on-failure".
	Name string
	// MaxRetries bounds on-failure restarts; 0 means unbounded.
	MaxRetries int
}

// RestartsWhateverTheExit says the engine starts the container again after
// any exit, a clean one too (always, unless-stopped).
func (p RestartPolicy) RestartsWhateverTheExit() bool {
	return p.Name == "always" || p.Name == "unless-stopped"
}

// Port publishes a container port on the host. HostPort 0 lets the engine
// choose a free port.
type Port struct {
	HostIP   string `json:"host_ip,omitempty"`
	HostPort int    `json:"host_port"`
	// HostPortEnd ends a range of host ports the engine picks one from
	// (0: no range).
	HostPortEnd   int    `json:"host_port_end,omitempty"`
	ContainerPort int    `json:"container_port"`
	Protocol      string `json:"protocol"`
}

// MountType is what a mount attaches.
type MountType string

// The kinds of mounts.
const (
	MountVolume MountType = "volume" // a named volume of the stack, or an anonymous one
	MountBind   MountType = "bind"   // a host path
	MountTmpfs  MountType = "tmpfs"  // memory
	MountImage  MountType = "image"  // an image's filesystem, read-only
)

// Mount attaches storage to a path in the container. Source is the stack's
// volume name for a named volume, "" for an anonymous one, and the absolute
// host path for a bind.
type Mount struct {
	Type     MountType
	Source   string
	Target   string
	ReadOnly bool
	// Options are a tmpfs mount's (size=64m,mode=1777).
	Options string
	// Propagation and SELinux ("z" or "Z") are a bind mount's.
	Propagation string `json:",omitempty"`
	SELinux     string `json:",omitempty"`
	// Recursive is a bind's bind.recursive: enabled (the engine's
	// default), disabled, writable or readonly.
	Recursive string `json:",omitempty"`
	// NoCreateHostPath is a bind's create_host_path: false: a missing
	// host path fails the container's creation instead of being made.
	// The short syntax, and the long one without it, make the path, as
	// in Compose; the zero value is that default, so a file that does
	// not say it keeps its configuration hash.
	NoCreateHostPath bool `json:",omitempty"`
	// BindString asks the engine for this mount as a bind string
	// (HostConfig.Binds) when it needs no option only the mount API has,
	// as Compose asks for a service's binds and named volumes (its
	// buildContainerVolumes): the engine makes a bind string's missing
	// host path. A container's spec sets it (never the file's loading),
	// so it is left out of the configuration hash.
	BindString bool `json:"-"`
	// NoCopy leaves a new volume empty of the image's files at Target;
	// Subpath mounts a directory of the volume (volume.subpath) or of the
	// image (image.subpath, Source the image's reference).
	NoCopy  bool   `json:",omitempty"`
	Subpath string `json:",omitempty"`
	// VolumeLabels label a volume the engine makes for this mount.
	VolumeLabels map[string]string `json:",omitempty"`
	// Tmpfs is set for a tmpfs of volumes: (the tmpfs: key's have
	// Options), mounted as Compose mounts it, through the mount API.
	Tmpfs *TmpfsOptions `json:",omitempty"`
}

// TmpfsOptions are a tmpfs mount's size in bytes and mode (0: the
// engine's defaults).
type TmpfsOptions struct {
	Size int64  `json:",omitempty"`
	Mode uint32 `json:",omitempty"`
}

// FileMount is a secret or config: a host file mounted read-only.
type FileMount struct {
	// Kind is "secret" or "config", for messages.
	Kind   string
	Name   string
	Source string
	Target string
	// Value is the content of a config from content: or environment:
	// (Source ""), copied into each container before it starts; Digest
	// fingerprints it, so a changed content recreates the containers.
	Value  []byte `json:"-"`
	Digest string `json:",omitempty"`
	// Access is the owner and mode of a copied config; a config from a
	// file is bind-mounted as the file is, as Compose mounts it.
	Access FileAccess `json:",omitzero"`
	// Labels are configs.<name>.labels: a swarm config's; one engine,
	// as Docker Compose, makes no object to label. Not marshalled: they
	// change no container (a swarm's are set when the object is made).
	Labels map[string]string `json:"-"`
	// External is the name of the swarm's existing config this one is
	// (configs.<name>.external, loaded only for a swarm); "" for one
	// stackctl makes.
	External string `json:",omitempty"`
}

// FileAccess is the owner and mode a secret or config file is written
// with: uid, gid and mode of its reference. Unset, it is owned by root
// and readable by all (0444), as Compose copies it.
type FileAccess struct {
	UID  int     `json:",omitempty"`
	GID  int     `json:",omitempty"`
	Mode *uint32 `json:",omitempty"`
}

// FileMode is the mode the file is written with.
func (a FileAccess) FileMode() uint32 {
	if a.Mode == nil {
		return 0o444
	}
	return *a.Mode
}

// SecretsDir is where a service finds its secrets, as in Compose.
const SecretsDir = "/run/secrets"

// Secret is a secret a service reads from a file under SecretsDir. It is
// written into each container through the engine's API, so its value is in
// no environment, label or rendering of the stack, and it reaches a remote
// engine as well as a local one.
type Secret struct {
	Name string
	// Target is the file's name in SecretsDir.
	Target string
	// Source is the file on this machine it is read from; "" for a
	// secret from content: or environment:, whose Value it is then. The
	// value is never marshalled.
	Source string
	Value  []byte `json:"-"`
	// Access is the file's owner and mode.
	Access FileAccess `json:",omitzero"`
	// Credentials marks the docker CLI's registry credentials, which
	// are read as the secret is written (see apisocket.go).
	Credentials bool `json:",omitzero"`
	// Labels are secrets.<name>.labels: a swarm secret's; one engine,
	// as Docker Compose, makes no object to label. Not marshalled: they
	// change no container (a swarm's are set when the object is made).
	Labels map[string]string `json:"-"`
	// External is the name of the swarm's existing secret this one is
	// (secrets.<name>.external, loaded only for a swarm); "" for one
	// stackctl makes.
	External string `json:",omitempty"`
}

// ServiceNetwork attaches a service to one of the stack's networks.
type ServiceNetwork struct {
	Name    string
	Aliases []string
	Address EndpointAddress `json:",omitzero"`
}

// EndpointAddress is what a service asks of its endpoint on one network:
// fixed addresses, its MAC, its driver's options, and how the engine
// ranks the network for the default gateway.
type EndpointAddress struct {
	IPv4Address  string            `json:",omitempty"`
	IPv6Address  string            `json:",omitempty"`
	MacAddress   string            `json:",omitempty"`
	LinkLocalIPs []string          `json:",omitempty"`
	GwPriority   int               `json:",omitempty"`
	DriverOpts   map[string]string `json:",omitempty"`
	// InterfaceName names the container's interface on the network.
	InterfaceName string `json:",omitempty"`
}

// UpdateConfig is deploy.update_config: how a changed service's replicas
// are replaced.
type UpdateConfig struct {
	// Parallelism is how many replicas are replaced at once (0: one).
	Parallelism int
	// Order is "start-first" or "stop-first" ("": start-first behind an
	// edge, stop-first otherwise).
	Order string
	// Monitor is how long a new replica must stay healthy.
	Monitor time.Duration
	// FailureAction is "rollback" (the default), "pause" or "continue".
	FailureAction string
}

// SwarmDeploy is the part of deploy that only a swarm service has fields
// for. One engine accepts it unused, as Docker Compose does: it runs no
// service, only containers.
type SwarmDeploy struct {
	// EndpointMode is deploy.endpoint_mode, "vip" or "dnsrr" ("": the
	// swarm backend decides).
	EndpointMode string `json:",omitempty"`
	// Labels are deploy.labels: the swarm service's, not its containers'.
	Labels map[string]string `json:",omitempty"`
	// RestartDelay and RestartWindow are deploy.restart_policy's delay and
	// window (nil: the swarm's defaults).
	RestartDelay  *time.Duration `json:",omitempty"`
	RestartWindow *time.Duration `json:",omitempty"`
	// UpdateDelay and UpdateMaxFailureRatio are deploy.update_config's
	// delay and max_failure_ratio.
	UpdateDelay           time.Duration `json:",omitempty"`
	UpdateMaxFailureRatio float32       `json:",omitempty"`
	// Rollback is deploy.rollback_config (nil: derived from the update).
	Rollback *RollbackConfig `json:",omitempty"`
}

// RollbackConfig is deploy.rollback_config: how a swarm rolls a failed
// update back. A zero field takes the update's value.
type RollbackConfig struct {
	Parallelism     *int          `json:",omitempty"`
	Delay           time.Duration `json:",omitempty"`
	FailureAction   string        `json:",omitempty"`
	Monitor         time.Duration `json:",omitempty"`
	MaxFailureRatio float32       `json:",omitempty"`
	Order           string        `json:",omitempty"`
}

// EdgeMode says when a service runs behind the edge load balancer.
type EdgeMode string

// The edge modes of x-stackctl.edge.
const (
	// EdgeNever: the service publishes its own ports and cannot run more
	// than one replica if they are fixed.
	EdgeNever EdgeMode = ""
	// EdgeAuto: behind the edge once scaled above one replica (or asked).
	EdgeAuto EdgeMode = "auto"
	// EdgeAlways: behind the edge from the start, so scaling never moves
	// the port.
	EdgeAlways EdgeMode = "always"
)

// LoadBalancer is what a balancing service balances.
type LoadBalancer struct {
	// Target is the balanced service.
	Target string
	// TargetPort is the port the target's replicas serve on.
	TargetPort int
	// ListenPort is the port the balancer listens on in its container.
	ListenPort int
}

// Network is a network of the stack. Key is its name in the file; Name is
// the engine's.
type Network struct {
	Key        string
	Name       string
	Driver     string
	External   bool
	Internal   bool
	Attachable bool
	EnableIPv4 *bool `json:",omitempty"`
	EnableIPv6 *bool
	// Labels are the file's; the backends add their own.
	Labels     map[string]string
	DriverOpts map[string]string
	IPAM       *IPAM
}

// IPAM is a network's address management (ipam).
type IPAM struct {
	Driver  string            `json:",omitempty"`
	Pools   []IPAMPool        `json:",omitempty"`
	Options map[string]string `json:",omitempty"`
}

// IPAMPool is one of ipam.config.
type IPAMPool struct {
	Subnet       string            `json:",omitempty"`
	IPRange      string            `json:",omitempty"`
	Gateway      string            `json:",omitempty"`
	AuxAddresses map[string]string `json:",omitempty"`
}

// Volume is a named volume of the stack. Key is its name in the file; Name
// is the engine's.
type Volume struct {
	Key      string
	Name     string
	External bool
	// Driver "" is the engine's local driver.
	Driver     string
	DriverOpts map[string]string
	// Labels are the file's; the backends add their own.
	Labels map[string]string
	// SingleWriter marks data that only one container may write at a
	// time (a database's directory): its service cannot be scaled.
	SingleWriter bool
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

// Network returns the network with the given key.
func (s *Stack) Network(key string) (*Network, bool) {
	for i := range s.Networks {
		if s.Networks[i].Key == key {
			return &s.Networks[i], true
		}
	}
	return nil, false
}

// Volume returns the volume with the given key.
func (s *Stack) Volume(key string) (*Volume, bool) {
	for i := range s.Volumes {
		if s.Volumes[i].Key == key {
			return &s.Volumes[i], true
		}
	}
	return nil, false
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

// Dependents lists the services that depend on service.
func (s *Stack) Dependents(service string) []*Service {
	var out []*Service
	for i := range s.Services {
		for _, d := range s.Services[i].DependsOn {
			if d.Service == service {
				out = append(out, &s.Services[i])
				break
			}
		}
	}
	return out
}
