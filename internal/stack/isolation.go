package stack

// Isolation is how a service's containers are set apart from the host and
// each other: the namespaces they join, their cgroup, the runtime that
// runs them. "" leaves each to the engine.
type Isolation struct {
	// NetworkMode is network_mode: host, none, bridge, service:<name>
	// (the first replica of a service of the stack) or container:<name>.
	// "" joins the stack's networks.
	NetworkMode  string `json:",omitempty"`
	Pid          string `json:",omitempty"`
	Ipc          string `json:",omitempty"`
	Uts          string `json:",omitempty"`
	Userns       string `json:",omitempty"`
	Cgroup       string `json:",omitempty"`
	CgroupParent string `json:",omitempty"`
	Privileged   bool   `json:",omitempty"`
	// Isolation is the engine's isolation technology (Windows: process
	// or hyperv; default elsewhere).
	Isolation string `json:",omitempty"`
	Runtime   string `json:",omitempty"`
	// Platform is os/arch[/variant] of the image the container runs.
	Platform string `json:",omitempty"`
}
