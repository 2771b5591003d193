package docker

import (
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

func TestDisposableOnlyWhenEveryWriteGoesToADeletedVolume(t *testing.T) {
	st := &stack.Stack{Project: "p",
		Services: []stack.Service{{Name: "db"}},
		Volumes:  []stack.Volume{{Key: "data", Name: "p_data"}, {Key: "shared", Name: "shared", External: true}},
	}
	labels := map[string]string{stack.LabelService: "db", stack.LabelReplica: "1"}
	secrets := engine.MountPoint{Type: "volume", Volume: "p_db-1_run-secrets", Destination: "/run/secrets"}
	cases := []struct {
		name   string
		mounts []engine.MountPoint
		want   bool
	}{
		{"a named volume of the stack", []engine.MountPoint{{Type: "volume", Volume: "p_data", Destination: "/data", Writable: true}, secrets}, true},
		{"the volume named for an unnamed one", []engine.MountPoint{{Type: "volume", Volume: "p_db-1_var-lib", Destination: "/var/lib", Writable: true}}, true},
		{"and a tmpfs", []engine.MountPoint{{Type: "volume", Volume: "p_data", Destination: "/data", Writable: true}, {Type: "tmpfs", Destination: "/tmp", Writable: true}}, true},
		{"no volume: no data here, maybe elsewhere", []engine.MountPoint{secrets}, false},
		{"an external volume too", []engine.MountPoint{{Type: "volume", Volume: "p_data", Destination: "/data", Writable: true}, {Type: "volume", Volume: "shared", Destination: "/shared", Writable: true}}, false},
		{"a writable host path too", []engine.MountPoint{{Type: "volume", Volume: "p_data", Destination: "/data", Writable: true}, {Type: "bind", Destination: "/backup", Writable: true}}, false},
		{"another replica's volume", []engine.MountPoint{{Type: "volume", Volume: "p_db-2_var-lib", Destination: "/var/lib", Writable: true}}, false},
	}
	for _, c := range cases {
		if got := disposable(st, engine.ContainerSummary{Labels: labels, Mounts: c.mounts}); got != c.want {
			t.Errorf("%s: disposable = %v, want %v", c.name, got, c.want)
		}
	}
}
