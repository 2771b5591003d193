package stack

// Hook is a command run in a service's container after it starts
// (post_start) or before it stops (pre_stop), as Compose runs them: an
// exec, whose failure fails the start (a failed pre_stop is reported and
// the container stopped all the same).
type Hook struct {
	Command     []string
	User        string   `json:",omitempty"`
	Privileged  bool     `json:",omitempty"`
	WorkingDir  string   `json:",omitempty"`
	Environment []string `json:",omitempty"`
}

// PreStartHook is a container run to completion before a service's
// container starts (pre_start), as Compose runs one: of its own, from
// Image (the service's image when the hook names none), sharing the
// service container's volumes and networks. compose-go has merged the
// service into the hook already; only what the hook may set differently
// is here (the key table refuses the rest).
type PreStartHook struct {
	Image       string   `json:",omitempty"`
	Command     []string `json:",omitempty"`
	Entrypoint  []string `json:",omitempty"`
	User        string   `json:",omitempty"`
	WorkingDir  string   `json:",omitempty"`
	Environment []string `json:",omitempty"`
}
