package stack

// Naming is how a service's containers are known on their network and how
// they resolve others: hostname, domainname, MAC address and DNS.
type Naming struct {
	// Hostname "" is the container's name, as stackctl has always set it.
	Hostname   string   `json:",omitempty"`
	Domainname string   `json:",omitempty"`
	MacAddress string   `json:",omitempty"`
	DNS        []string `json:",omitempty"`
	DNSSearch  []string `json:",omitempty"`
	DNSOptions []string `json:",omitempty"`
}

// Logging is the engine's log driver for a service's containers.
type Logging struct {
	Driver  string            `json:",omitempty"`
	Options map[string]string `json:",omitempty"`
}

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

// Link is one of links: another service of the stack reached under Alias
// (its name when the file gives none).
type Link struct {
	Service string
	Alias   string
}
