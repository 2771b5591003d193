package engine

import (
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// ContainerSpec is a container to create.
type ContainerSpec struct {
	Name        string
	Hostname    string
	Image       string
	Entrypoint  []string
	Cmd         []string
	WorkingDir  string
	Env         []string // KEY=VALUE
	Labels      map[string]string
	User        string
	Healthcheck *stack.Healthcheck
	Restart     stack.RestartPolicy
	Ports       []stack.Port
	// Mounts name engine volumes (already resolved) and absolute host
	// paths in Source.
	Mounts []stack.Mount
	// Networks are engine networks; the first is the primary one.
	Networks       []Endpoint
	ExtraHosts     []string
	StopSignal     string
	StopTimeout    time.Duration
	ReadOnlyRootfs bool
	Init           *bool
	CapAdd         []string
	CapDrop        []string
	SecurityOpt    []string
	// PidMode "host" shares the host's PID namespace.
	PidMode string
	// Tty gives the container a terminal; OpenStdin keeps its standard
	// input open, and StdinOnce closes it when the first client that
	// attached detaches (a one-off run's).
	Tty       bool
	OpenStdin bool
	StdinOnce bool
	// Domainname, MacAddress and DNS are the service's Naming (Hostname
	// is above).
	Domainname string
	MacAddress string
	DNS        []string
	DNSSearch  []string
	DNSOptions []string
	Resources  stack.Resources
	// Isolation has its service: references resolved to container: ones;
	// its Pid is PidMode's when that is "".
	Isolation   stack.Isolation
	Logging     *stack.Logging
	Sysctls     map[string]string
	Annotations map[string]string
	GroupAdd    []string
	// Expose are ports exposed, not published ("80", "8000-8001/udp").
	Expose []string
	// VolumesFrom are container names, with :ro or :rw.
	VolumesFrom []string
	// Links are container:alias, the stack's and external_links alike.
	Links []string
}

// Endpoint attaches a container to an engine network under aliases.
type Endpoint struct {
	Network string
	Aliases []string
	Address stack.EndpointAddress
}

// ContainerSummary is a container as listed.
type ContainerSummary struct {
	ID     string
	Name   string
	Labels map[string]string
	// State is created, running, paused, restarting, removing, exited or dead.
	State string
	// Healthy says the engine's healthcheck passes, as the list reports it.
	Healthy bool
	// Mounts are what the container has mounted.
	Mounts []MountPoint
	// Image, Command, Created and Status are as the engine lists them:
	// the image as the container was created from, the command line
	// joined by spaces, the creation time to the second and the status
	// text ("Up 2 minutes (healthy)", "Exited (3) 5 seconds ago").
	Image   string
	Command string
	Created time.Time
	Status  string
	// Names are the container's names with their leading slash: its own
	// first, then what links give it.
	Names []string
	// Ports are its exposed ports, each with the host address and port it
	// is published on (none: HostPort 0), in the engine's order.
	Ports []stack.Port
	// Networks are the names of the networks it is attached to.
	Networks []string
}

// MountPoint is one of a container's mounts.
type MountPoint struct {
	// Type is volume, bind or tmpfs.
	Type string
	// Volume is a volume mount's volume name.
	Volume string
	// Source is a bind mount's host path; Driver a volume's driver.
	Source      string
	Driver      string
	Destination string
	Writable    bool
}

// Container is a container as inspected.
type Container struct {
	ID      string
	Name    string
	ImageID string
	Labels  map[string]string
	// Entrypoint and Cmd are what the container runs, as the engine
	// resolved them from the image and the create request.
	Entrypoint []string
	Cmd        []string
	// Status is created, running, paused, restarting, removing, exited or dead.
	Status       string
	ExitCode     int
	OOMKilled    bool
	Error        string
	Pid          int
	Health       string // "", "starting", "healthy" or "unhealthy"
	HealthLog    []HealthResult
	Created      time.Time
	StartedAt    time.Time
	FinishedAt   time.Time
	RestartCount int
	Restart      stack.RestartPolicy
	// Ports are the published ports with the host ports the engine bound.
	Ports []stack.Port
	// IPs are the container's addresses by network name.
	IPs map[string]string
}

// Running reports whether the container's process is up.
func (c Container) Running() bool { return c.Status == "running" }

// HealthResult is one healthcheck probe as the engine recorded it.
type HealthResult struct {
	Start    time.Time
	End      time.Time
	ExitCode int
	Output   string
}

// Image is an image as inspected.
type Image struct {
	ID     string
	Labels map[string]string
	// RepoTags are its names (none for a dangling image).
	RepoTags []string
	// Volumes are the paths its VOLUME instructions declare.
	Volumes []string
	// Entrypoint and Cmd are what a container of it runs unless told
	// otherwise.
	Entrypoint []string
	Cmd        []string
	// Tagged is when the image last got a tag on this engine (pulled,
	// built, tagged): how old a timed pull_policy finds it. Zero when
	// the engine does not say.
	Tagged time.Time
}

// BuildSpec is an image to build.
type BuildSpec struct {
	// ContextDir is the build context, a directory packed and uploaded;
	// RemoteContext instead is a Git or tarball URL the engine fetches.
	ContextDir    string
	RemoteContext string
	// Dockerfile is its path in the context; DockerfileInline, when set,
	// is its content instead.
	Dockerfile       string
	DockerfileInline string
	Tag              string
	// ExtraTags are more names for the same image.
	ExtraTags []string
	Labels    map[string]string
	Args      map[string]string
	Target    string
	NoCache   bool
	// NoCacheFilter are the stages that take nothing from the cache.
	NoCacheFilter []string
	Pull          bool
	Network       string
	ExtraHosts    []string // "host:ip"
	ShmSize       int64
	Ulimits       []stack.Ulimit
	Platform      string
	Isolation     string
	// CacheFrom are images whose inline cache the build may use;
	// InlineCache writes this build's cache into its image.
	CacheFrom   []string
	InlineCache bool
	// Secrets and SSH are handed to RUN steps that mount them, through a
	// session the build opens with the engine (BuildKit only).
	Secrets []stack.BuildSecret
	SSH     []stack.BuildSSH
	// NamedContexts are the build's additional contexts, by name: a
	// directory (absolute), or a reference BuildKit resolves itself
	// (docker-image://REF, a Git or tarball URL).
	NamedContexts map[string]string
	// Platforms, when there are several, are built into one image.
	Platforms []string
	// Entitlements are what the build asks BuildKit to allow; Privileged
	// asks for security.insecure (build.privileged).
	Entitlements []string
	Privileged   bool
	// Attests are the attestations to make, by type: BuildKit's
	// attest:<type> attributes (stack.Build.Attests).
	Attests map[string]string
}

// BuildEvent is what a build reports while it runs: a step that started or
// ended, a line of the classic builder's output, or a notice about how the
// build is made.
type BuildEvent struct {
	Step   *BuildStep
	Line   string
	Notice string
}

// Network is a network as inspected.
type Network struct {
	ID     string
	Name   string
	Driver string
	Labels map[string]string
	// Created and Containers (how many are attached) come with NetworkList.
	Created    time.Time
	Containers int
}

// NetworkOptions are a network to create.
type NetworkOptions struct {
	Driver string
	// Attachable lets standalone containers join a swarm's overlay
	// network, beside the services' tasks.
	Attachable bool
	Labels     map[string]string
	Internal   bool              `json:",omitempty"`
	EnableIPv4 *bool             `json:",omitempty"`
	EnableIPv6 *bool             `json:",omitempty"`
	DriverOpts map[string]string `json:",omitempty"`
	IPAM       *stack.IPAM       `json:",omitempty"`
}

// VolumeOptions are a volume to create: Driver "" is the engine's local
// driver.
type VolumeOptions struct {
	Driver     string
	DriverOpts map[string]string
	Labels     map[string]string
}

// Volume is a volume as the engine describes it.
type Volume struct {
	Name   string
	Labels map[string]string
	// Mountpoint is where the volume's files are on the engine's host.
	Mountpoint string
	// CreatedAt is when the engine made it; zero when the engine does not
	// say.
	CreatedAt time.Time
}

// ExecResult is what a command run in a container returned.
type ExecResult struct {
	ExitCode int
	Output   string
}

// LogsOptions select a container's or a service's log lines.
type LogsOptions struct {
	Follow bool
	// Tail is the number of lines from the end; negative means all.
	Tail int
	// Since and Until bound the lines by the time the engine received
	// them; zero leaves that end open.
	Since, Until time.Time
	// Timestamps starts each line with the time the engine received it.
	Timestamps bool
	// Details starts each line of a service's logs with the task it came
	// from (com.docker.swarm.node.id=...,com.docker.swarm.service.id=...,
	// com.docker.swarm.task.id=...).
	Details bool
}
