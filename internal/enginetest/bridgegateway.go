package enginetest

import (
	"fmt"
	"net"

	"github.com/docker/docker/api/types/network"
)

// bridgeNameOption names, in a bridge network's options, the host's
// interface for it (docker0 for the default bridge).
const bridgeNameOption = "com.docker.network.bridge.name"

// bridgeGateway is the host's IPv4 address on a bridge network of the host
// engine: its IPAM gateway, or, when the engine records none (it kept the
// address the bridge's interface already had), that interface's address in
// one of the network's subnets.
func bridgeGateway(bridge network.Inspect) (string, error) {
	var subnets []*net.IPNet
	for _, cfg := range bridge.IPAM.Config {
		if ip := net.ParseIP(cfg.Gateway); ip != nil && ip.To4() != nil {
			return cfg.Gateway, nil
		}
		if _, subnet, err := net.ParseCIDR(cfg.Subnet); err == nil && subnet.IP.To4() != nil {
			subnets = append(subnets, subnet)
		}
	}
	noGateway := fmt.Sprintf("network %s has no IPv4 gateway in its IPAM (%+v)", bridge.Name, bridge.IPAM.Config)
	name := bridge.Options[bridgeNameOption]
	if name == "" {
		return "", fmt.Errorf("%s and names no host interface (%s)", noGateway, bridgeNameOption)
	}
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return "", fmt.Errorf("%s, and its interface %s is not on this machine: %w", noGateway, name, err)
	}
	addrs, err := iface.Addrs()
	if err != nil {
		return "", fmt.Errorf("network %s: list the addresses of its interface %s: %w", bridge.Name, name, err)
	}
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.To4() == nil {
			continue
		}
		for _, subnet := range subnets {
			if subnet.Contains(ipnet.IP) {
				return ipnet.IP.String(), nil
			}
		}
	}
	return "", fmt.Errorf("%s, and its interface %s has no address in its subnets (it has %v)", noGateway, name, addrs)
}
