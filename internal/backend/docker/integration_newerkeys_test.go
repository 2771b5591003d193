package docker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// Keys whose fields newer engines added: each is honoured on an engine
// whose API has the field, and refused on an older one with the version
// it needs and the engine's. make test runs this on the host engine (API
// 1.41) and on the current one.
func TestNewerEngineKeysFollowTheAPIVersion(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 4*time.Minute)
	server, err := e.api.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	api := server.APIVersion
	older := func(v string) bool { return versions.LessThan(api, v) }
	// upHonoured ups st and says whether the engine has API from: an
	// older one must refuse the up with reason and the engine's version.
	upHonoured := func(t *testing.T, side *itgEnv, st *stack.Stack, from, reason string) bool {
		t.Helper()
		_, err := side.orch.Up(ctx, st, backend.UpOptions{})
		switch {
		case !older(from) && err != nil:
			t.Fatalf("up on API %s: %v", api, err)
		case !older(from):
			return true
		case err == nil:
			t.Fatalf("up on API %s succeeded; want it refused with %q", api, reason)
		case !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), "the engine speaks API "+api):
			t.Errorf("up on API %s: %v; want %q and the engine's version", api, err, reason)
		}
		return false
	}

	// bind.recursive disabled is NonRecursive, of API 1.40: every engine
	// here has it. writable and readonly are ReadOnlyNonRecursive and
	// ReadOnlyForceRecursive, of API 1.44.
	for _, tt := range []struct {
		recursive, from string
		want            mount.BindOptions
	}{
		{"disabled", "1.40", mount.BindOptions{NonRecursive: true, CreateMountpoint: true}},
		{"writable", "1.44", mount.BindOptions{ReadOnlyNonRecursive: true, CreateMountpoint: true}},
		{"readonly", "1.44", mount.BindOptions{ReadOnlyForceRecursive: true, CreateMountpoint: true}},
	} {
		t.Run("bind.recursive "+tt.recursive, func(t *testing.T) {
			side := e.side(t, "rec-"+tt.recursive)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "probe"), []byte("host\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			st, _ := side.composeStack(ctx, `services:
  a:
    image: busybox:latest
    command: ["sleep", "300"]
    volumes:
      - {type: bind, source: `+dir+`, target: /data, read_only: true, bind: {recursive: `+tt.recursive+`}}
`)
			if !upHonoured(t, side, st, tt.from, "bind.recursive "+tt.recursive+" needs API "+tt.from) {
				return
			}
			raw, err := side.api.ContainerInspect(ctx, side.project+"-a-1")
			if err != nil {
				t.Fatal(err)
			}
			var got *mount.BindOptions
			for _, m := range raw.HostConfig.Mounts {
				if m.Target == "/data" {
					got = m.BindOptions
				}
			}
			// Engines before API 1.42 keep no CreateMountpoint.
			tt.want.CreateMountpoint = !older("1.42")
			if got == nil || *got != tt.want {
				t.Errorf("the engine's bind options of /data = %+v, want %+v", got, tt.want)
			}
			if out := side.exec(ctx, raw.ID, "cat", "/data/probe"); out != "host" {
				t.Errorf("/data/probe in the container = %q, want host", out)
			}
			if out := side.exec(ctx, raw.ID, "sh", "-c", "touch /data/x 2>&1 || echo refused"); !strings.Contains(out, "refused") {
				t.Errorf("writing to the read-only bind: %q, want it refused", out)
			}
		})
	}

	// A volume of type image mounts the image's files (its bin directory
	// here), from API 1.48.
	t.Run("type image", func(t *testing.T) {
		side := e.side(t, "img")
		st, _ := side.composeStack(ctx, `services:
  a:
    image: busybox:latest
    command: ["sleep", "300"]
    volumes:
      - {type: image, source: busybox:latest, target: /tools, image: {subpath: bin}}
`)
		if !upHonoured(t, side, st, "1.48", "type image needs API 1.48 (Docker Engine 28.0)") {
			return
		}
		id := side.project + "-a-1"
		if out := side.exec(ctx, id, "/tools/busybox", "echo", "from the image"); out != "from the image" {
			t.Errorf("/tools/busybox echo: %q, want the image's busybox to run", out)
		}
	})

	// enable_ipv4: false makes an IPv6-only network, from API 1.48.
	t.Run("enable_ipv4", func(t *testing.T) {
		side := e.side(t, "v4")
		st, _ := side.composeStack(ctx, `services:
  a:
    image: busybox:latest
    command: ["sleep", "300"]
    networks: [six]
networks:
  six:
    enable_ipv4: false
    enable_ipv6: true
    ipam:
      config:
        - subnet: "fd00:6b65:7973::/64"
`)
		if !upHonoured(t, side, st, "1.48", "enable_ipv4 needs API 1.48 (Docker Engine 28.0)") {
			if _, err := side.api.NetworkInspect(ctx, side.project+"_six", network.InspectOptions{}); err == nil {
				t.Errorf("network %s_six exists after the refusal", side.project)
			}
			return
		}
		n, err := side.api.NetworkInspect(ctx, side.project+"_six", network.InspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.EnableIPv4 || !n.EnableIPv6 {
			t.Errorf("network %s: EnableIPv4 %v, EnableIPv6 %v; want IPv6 only", n.Name, n.EnableIPv4, n.EnableIPv6)
		}
		for _, ep := range n.Containers {
			if ep.IPv4Address != "" || ep.IPv6Address == "" {
				t.Errorf("container %s on %s: IPv4 %q, IPv6 %q; want an IPv6 address only", ep.Name, n.Name, ep.IPv4Address, ep.IPv6Address)
			}
		}
		if len(n.Containers) != 1 {
			t.Errorf("network %s has %d containers, want a's", n.Name, len(n.Containers))
		}
	})
}

// side is e for subtest t under a project of its own, e's with suffix.
func (e *itgEnv) side(t *testing.T, suffix string) *itgEnv {
	s := e.in(t)
	s.project = e.project + "-" + suffix
	return s
}
