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
