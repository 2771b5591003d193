package engine

import (
	"reflect"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/mount"
	"github.com/stackctl/stackctl/internal/stack"
)

// What API 1.41 (the engine here) cannot carry is refused, naming the key,
// the version that can and the engine's.
func TestCreateRequestRefusesWhatTheAPIVersionCannotCarry(t *testing.T) {
	tests := []struct {
		name string
		spec ContainerSpec
		want string
	}{
		{"annotations", ContainerSpec{Name: "c", Annotations: map[string]string{"a": "b"}}, "annotations needs API 1.43 (Docker Engine 24.0); the engine speaks API 1.41"},
		{"gw_priority", ContainerSpec{Name: "c", Networks: []Endpoint{{Network: "n", Address: stack.EndpointAddress{GwPriority: 3}}}}, "gw_priority on network n needs API 1.48 (Docker Engine 28.0); the engine speaks API 1.41"},
		{"second network's MAC", ContainerSpec{Name: "c", Networks: []Endpoint{{Network: "n"}, {Network: "m", Address: stack.EndpointAddress{MacAddress: "02:42:ac:11:00:0b"}}}}, "a MAC address on network m, not the first needs API 1.44"},
		{"interface_name", ContainerSpec{Name: "c", Networks: []Endpoint{{Network: "n", Address: stack.EndpointAddress{InterfaceName: "eth9"}}}}, "interface_name on network n needs API 1.49 (Docker Engine 28.1); the engine speaks API 1.41"},
		{"subpath", ContainerSpec{Name: "c", Mounts: []stack.Mount{{Type: stack.MountVolume, Source: "v", Target: "/v", Subpath: "x"}}}, "subpath needs API 1.45"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCreateRequest(tt.spec, "1.41")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if _, err := NewCreateRequest(tt.spec, "1.51"); err != nil {
				t.Errorf("API 1.51 refuses it too: %v", err)
			}
		})
	}
}

// Before API 1.44 a container takes one network at creation, and its MAC
// address is the container's: the first network's goes to Config, the
// others are connected after creation with their settings.
func TestCreateRequestBeforeAPI144(t *testing.T) {
	spec := ContainerSpec{Name: "c", MacAddress: "02:42:ac:11:00:0a", Networks: []Endpoint{
		{Network: "front", Aliases: []string{"web"}, Address: stack.EndpointAddress{IPv4Address: "172.30.0.10"}},
		{Network: "back", Aliases: []string{"web"}, Address: stack.EndpointAddress{IPv4Address: "172.31.0.10", DriverOpts: map[string]string{"k": "v"}}},
	}}
	req, err := NewCreateRequest(spec, "1.41")
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Config.MacAddress; got != "02:42:ac:11:00:0a" { //nolint:staticcheck // the field of engines before API 1.44
		t.Errorf("Config.MacAddress = %q, want the service's", got)
	}
	if len(req.NetworkingConfig.EndpointsConfig) != 1 || req.NetworkingConfig.EndpointsConfig["front"] == nil {
		t.Fatalf("EndpointsConfig = %v, want front only", req.NetworkingConfig.EndpointsConfig)
	}
	if ep := req.NetworkingConfig.EndpointsConfig["front"]; ep.MacAddress != "" || ep.IPAMConfig == nil || ep.IPAMConfig.IPv4Address != "172.30.0.10" {
		t.Errorf("front's endpoint = %+v, want its address and no MAC of its own", ep)
	}
	if len(req.Connect) != 1 || req.Connect[0].Network != "back" || req.Connect[0].Endpoint.IPAMConfig.IPv4Address != "172.31.0.10" || req.Connect[0].Endpoint.DriverOpts["k"] != "v" {
		t.Errorf("Connect = %+v, want back with its address and driver options", req.Connect)
	}

	// From API 1.44 every network is in the create request, the MAC the
	// first network's.
	req, err = NewCreateRequest(spec, "1.44")
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Connect) != 0 || len(req.NetworkingConfig.EndpointsConfig) != 2 || req.NetworkingConfig.EndpointsConfig["front"].MacAddress != "02:42:ac:11:00:0a" {
		t.Errorf("at 1.44: Connect = %+v, endpoints = %+v", req.Connect, req.NetworkingConfig.EndpointsConfig)
	}
}

// A service's mac_address that differs from its first network's is
// refused, as in Compose.
func TestCreateRequestRefusesTwoMACs(t *testing.T) {
	spec := ContainerSpec{Name: "c", MacAddress: "02:42:ac:11:00:0a", Networks: []Endpoint{{Network: "n", Address: stack.EndpointAddress{MacAddress: "02:42:ac:11:00:0b"}}}}
	if _, err := NewCreateRequest(spec, "1.51"); err == nil || !strings.Contains(err.Error(), "mac_address") {
		t.Fatalf("error = %v, want the two MAC addresses refused", err)
	}
}

// A bind relabelled with create_host_path: false is refused: only a bind
// string is relabelled, and the engine makes its missing host path.
// Compose sends it through the mount API, without the label.
func TestCreateRequestRefusesSELinuxWithoutCreateHostPath(t *testing.T) {
	spec := ContainerSpec{Name: "c", Mounts: []stack.Mount{{Type: stack.MountBind, Source: "/s", Target: "/t", SELinux: "z", NoCreateHostPath: true, BindString: true}}}
	_, err := NewCreateRequest(spec, "1.51")
	if want := "container c: mount /t: bind.selinux with bind.create_host_path false"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
	spec.Mounts[0].NoCreateHostPath = false
	req, err := NewCreateRequest(spec, "1.51")
	if err != nil || len(req.HostConfig.Binds) != 1 || req.HostConfig.Binds[0] != "/s:/t:rw,z" {
		t.Fatalf("with create_host_path: Binds = %v, %v; want /s:/t:rw,z", req.HostConfig.Binds, err)
	}
}

// bind.recursive goes through the mount API, as Compose's buildBindOption
// sends it: disabled on any engine this SDK speaks to, writable and
// readonly from API 1.44, refused before, naming the engine's version.
func TestCreateRequestBindRecursive(t *testing.T) {
	tests := []struct {
		recursive string
		want      mount.BindOptions
		from      string
	}{
		{"enabled", mount.BindOptions{CreateMountpoint: true}, "1.41"},
		{"disabled", mount.BindOptions{CreateMountpoint: true, NonRecursive: true}, "1.41"},
		{"writable", mount.BindOptions{CreateMountpoint: true, ReadOnlyNonRecursive: true}, "1.44"},
		{"readonly", mount.BindOptions{CreateMountpoint: true, ReadOnlyForceRecursive: true}, "1.44"},
	}
	for _, tt := range tests {
		t.Run(tt.recursive, func(t *testing.T) {
			spec := ContainerSpec{Name: "c", Mounts: []stack.Mount{{Type: stack.MountBind, Source: "/s", Target: "/t", ReadOnly: true, Recursive: tt.recursive, BindString: true}}}
			req, err := NewCreateRequest(spec, tt.from)
			if err != nil {
				t.Fatal(err)
			}
			if len(req.HostConfig.Binds) != 0 || len(req.HostConfig.Mounts) != 1 {
				t.Fatalf("Binds = %v, Mounts = %+v; want one mount through the mount API", req.HostConfig.Binds, req.HostConfig.Mounts)
			}
			if got := req.HostConfig.Mounts[0].BindOptions; got == nil || *got != tt.want {
				t.Errorf("BindOptions = %+v, want %+v", got, tt.want)
			}
			if tt.from == "1.41" {
				return
			}
			_, err = NewCreateRequest(spec, "1.43")
			want := "container c: mount /t: bind.recursive " + tt.recursive + " needs API 1.44 (Docker Engine 25.0); the engine speaks API 1.43"
			if err == nil || err.Error() != want {
				t.Errorf("at API 1.43: error = %v, want %q", err, want)
			}
		})
	}
	spec := ContainerSpec{Name: "c", Mounts: []stack.Mount{{Type: stack.MountBind, Source: "/s", Target: "/t", Recursive: "sometimes", BindString: true}}}
	if _, err := NewCreateRequest(spec, "1.51"); err == nil || !strings.Contains(err.Error(), `bind.recursive "sometimes"`) {
		t.Errorf("error = %v, want the unknown value refused", err)
	}
	// A bind string relabels but carries no recursive; the mount API
	// the other way round.
	spec = ContainerSpec{Name: "c", Mounts: []stack.Mount{{Type: stack.MountBind, Source: "/s", Target: "/t", Recursive: "disabled", SELinux: "z", BindString: true}}}
	if _, err := NewCreateRequest(spec, "1.51"); err == nil || !strings.Contains(err.Error(), "bind.selinux with bind.recursive") {
		t.Errorf("error = %v, want selinux with recursive refused", err)
	}
}

// A volume of type image is a mount of type image with its subpath, from
// API 1.48; refused before, naming the engine's version.
func TestCreateRequestImageMount(t *testing.T) {
	spec := ContainerSpec{Name: "c", Mounts: []stack.Mount{{Type: stack.MountImage, Source: "busybox:latest", Target: "/img", Subpath: "bin"}}}
	req, err := NewCreateRequest(spec, "1.48")
	if err != nil {
		t.Fatal(err)
	}
	want := mount.Mount{Type: mount.TypeImage, Source: "busybox:latest", Target: "/img", ImageOptions: &mount.ImageOptions{Subpath: "bin"}}
	if len(req.HostConfig.Mounts) != 1 || !reflect.DeepEqual(req.HostConfig.Mounts[0], want) {
		t.Errorf("Mounts = %+v, want %+v", req.HostConfig.Mounts, want)
	}
	_, err = NewCreateRequest(spec, "1.47")
	if w := "container c: mount /img: type image needs API 1.48 (Docker Engine 28.0); the engine speaks API 1.47"; err == nil || err.Error() != w {
		t.Errorf("at API 1.47: error = %v, want %q", err, w)
	}
}

// enable_ipv4 is the network's EnableIPv4 from API 1.48; refused before,
// naming the engine's version.
func TestNetworkCreateOptionsEnableIPv4(t *testing.T) {
	off := false
	got, err := NetworkCreateOptions(NetworkOptions{Driver: "bridge", EnableIPv4: &off}, "1.48")
	if err != nil {
		t.Fatal(err)
	}
	if got.EnableIPv4 == nil || *got.EnableIPv4 {
		t.Errorf("EnableIPv4 = %v, want false", got.EnableIPv4)
	}
	_, err = NetworkCreateOptions(NetworkOptions{Driver: "bridge", EnableIPv4: &off}, "1.47")
	if w := "enable_ipv4 needs API 1.48 (Docker Engine 28.0); the engine speaks API 1.47"; err == nil || err.Error() != w {
		t.Errorf("at API 1.47: error = %v, want %q", err, w)
	}
	if got, err := NetworkCreateOptions(NetworkOptions{Driver: "bridge"}, "1.41"); err != nil || got.EnableIPv4 != nil {
		t.Errorf("unset at API 1.41: EnableIPv4 = %v, %v; want unset", got.EnableIPv4, err)
	}
}
