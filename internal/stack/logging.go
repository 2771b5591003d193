package stack

// Logging is the engine's log driver for a service's containers.
type Logging struct {
	Driver  string            `json:",omitempty"`
	Options map[string]string `json:",omitempty"`
}
