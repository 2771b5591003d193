package stack_test

import (
	"reflect"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// use_api_socket gives the service the engine's socket and a docker CLI
// config of the registry credentials, found through DOCKER_CONFIG unless
// the service sets that itself, as Compose gives them.
func TestUseAPISocketAddsTheSocketAndTheCredentials(t *testing.T) {
	isolate(t)
	st, _, err := loadString(t, `services:
  a:
    image: busybox
    use_api_socket: true
  b:
    image: busybox
    use_api_socket: true
    environment: {DOCKER_CONFIG: /mine}
`)
	if err != nil {
		t.Fatal(err)
	}
	for name, wantConfig := range map[string]string{"a": "/run/secrets/docker", "b": "/mine"} {
		svc, _ := st.Service(name)
		if len(svc.Mounts) != 1 || !reflect.DeepEqual(svc.Mounts[0], stack.Mount{Type: stack.MountBind, Source: "/var/run/docker.sock", Target: "/var/run/docker.sock"}) {
			t.Errorf("service %s: mounts %+v, want the engine's socket", name, svc.Mounts)
		}
		var got []string
		for _, e := range svc.Environment {
			if e.Name == "DOCKER_CONFIG" {
				got = append(got, e.Value)
			}
		}
		if len(got) != 1 || got[0] != wantConfig {
			t.Errorf("service %s: DOCKER_CONFIG %q, want %s", name, got, wantConfig)
		}
		if len(svc.Secrets) != 1 || !svc.Secrets[0].Credentials || svc.Secrets[0].Target != "docker/config.json" || svc.Secrets[0].Value != nil {
			t.Errorf("service %s: secrets %+v, want the credentials, read later, at docker/config.json", name, svc.Secrets)
		}
	}
}
