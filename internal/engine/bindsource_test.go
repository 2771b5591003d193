package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

// The engine's refusal of a missing bind source is explained by the key
// that made the bind go through the mount API; another error is left to
// the caller.
func TestMissingBindSourceIsExplainedByItsKey(t *testing.T) {
	refusal := func(source string) error {
		return errors.New(`Error response from daemon: invalid mount config for type "bind": bind source path does not exist: ` + source)
	}
	spec := ContainerSpec{Name: "p-a-1", Mounts: []stack.Mount{
		{Type: stack.MountBind, Source: "/srv/kept", Target: "/kept", BindString: true, NoCreateHostPath: true},
		{Type: stack.MountBind, Source: "/srv/shared", Target: "/shared", BindString: true, Propagation: "rshared"},
		{Type: stack.MountBind, Source: "/srv/motd", Target: "/motd", ReadOnly: true},
	}}
	tests := []struct {
		name, source, api string
		want              []string // nil: not explained
	}{
		{"create_host_path: false", "/srv/kept", "1.51", []string{"container p-a-1", "bind /kept", "/srv/kept", "bind.create_host_path is false"}},
		{"propagation before API 1.42", "/srv/shared", "1.41", []string{"bind /shared", "/srv/shared", "(API 1.41)", "bind.propagation or bind.recursive only from API 1.42"}},
		{"propagation from API 1.42", "/srv/shared", "1.42", nil},
		{"a config's file", "/srv/motd", "1.41", []string{"mount /motd", "file /srv/motd does not exist"}},
		{"no bind of the container's", "/srv/other", "1.51", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := refusal(tt.source)
			err := explainMissingBindSource(in, spec, tt.api)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("explained as %v, want it left alone", err)
				}
				return
			}
			if err == nil || !errors.Is(err, in) {
				t.Fatalf("error = %v, want the engine's wrapped", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if err := explainMissingBindSource(errors.New("no such image"), spec, "1.51"); err != nil {
		t.Errorf("another error explained as %v", err)
	}
}
