package stack

// Naming is how a service's containers are known on their network and how
// they resolve others: hostname, domainname, MAC address and DNS.
type Naming struct {
	// Hostname "" is the engine's default: the short container ID, as
	// Compose leaves it.
	Hostname   string   `json:",omitempty"`
	Domainname string   `json:",omitempty"`
	MacAddress string   `json:",omitempty"`
	DNS        []string `json:",omitempty"`
	DNSSearch  []string `json:",omitempty"`
	DNSOptions []string `json:",omitempty"`
}
