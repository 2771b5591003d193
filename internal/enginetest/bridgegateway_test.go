package enginetest

import (
	"strings"
	"testing"

	"github.com/docker/docker/api/types/network"
)

func TestBridgeGatewayIsTheIPAMsWhenItNamesOne(t *testing.T) {
	bridge := network.Inspect{Name: "bridge", IPAM: network.IPAM{Config: []network.IPAMConfig{
		{Subnet: "fd00::/64", Gateway: "fd00::1"},
		{Subnet: "172.17.0.0/16", Gateway: "172.17.0.1"},
	}}}
	got, err := bridgeGateway(bridge)
	if err != nil || got != "172.17.0.1" {
		t.Errorf("bridgeGateway = %q, %v; want the IPv4 gateway 172.17.0.1", got, err)
	}
}

// An engine that kept the address its bridge's interface already had
// records no gateway; the interface's address in the subnet is it. The
// loopback interface stands in for docker0.
func TestBridgeGatewayIsTheInterfacesAddressWhenTheIPAMNamesNone(t *testing.T) {
	bridge := network.Inspect{Name: "bridge",
		IPAM:    network.IPAM{Config: []network.IPAMConfig{{Subnet: "127.0.0.0/8"}}},
		Options: map[string]string{bridgeNameOption: "lo"},
	}
	got, err := bridgeGateway(bridge)
	if err != nil || got != "127.0.0.1" {
		t.Errorf("bridgeGateway = %q, %v; want lo's 127.0.0.1", got, err)
	}
}

func TestBridgeGatewaySaysWhatItLookedAt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bridge network.Inspect
		want   string
	}{
		{"no interface named", network.Inspect{Name: "bridge", IPAM: network.IPAM{Config: []network.IPAMConfig{{Subnet: "172.17.0.0/16"}}}},
			"names no host interface"},
		{"no such interface", network.Inspect{Name: "bridge", Options: map[string]string{bridgeNameOption: "no-such-if0"}},
			"its interface no-such-if0 is not on this machine"},
		{"no address in the subnet", network.Inspect{Name: "bridge",
			IPAM:    network.IPAM{Config: []network.IPAMConfig{{Subnet: "10.254.0.0/16"}}},
			Options: map[string]string{bridgeNameOption: "lo"}},
			"its interface lo has no address in its subnets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bridgeGateway(tc.bridge)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "network bridge") {
				t.Errorf("bridgeGateway = %v, want an error naming network bridge that says %q", err, tc.want)
			}
		})
	}
}
