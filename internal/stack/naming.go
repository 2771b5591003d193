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
