package docker

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

func preStartStack() *stack.Stack {
	return &stack.Stack{Project: "p", Services: []stack.Service{{
		Name: "db", Image: "postgres:15", Replicas: 1,
		Labels:      map[string]string{"team": "data"},
		Ports:       []stack.Port{{HostPort: 5432, ContainerPort: 5432, Protocol: "tcp"}},
		Healthcheck: &stack.Healthcheck{Test: []string{"CMD", "true"}},
		Restart:     stack.RestartPolicy{Name: "always"},
		Mounts:      []stack.Mount{{Type: stack.MountVolume, Source: "data", Target: "/data"}},
		Networks:    []stack.ServiceNetwork{{Name: "default"}},
		PreStart: []stack.PreStartHook{
			{Command: []string{"init"}, User: "root", Environment: []string{"A=1"}},
			{Image: "alpine", Entrypoint: []string{"sh"}, WorkingDir: "/w"},
		},
	}}}
}

// A hook's container is the service's settings with the hook's own: the
// service container's image unless it names one, its mounts through
// volumes_from, on its networks, published nowhere, not restarted, no
// healthcheck, labelled as Compose labels a hook and as the project's.
func TestPreStartSpec(t *testing.T) {
	st := preStartStack()
	svc := &st.Services[0]
	target := engine.Container{ID: "c0ffee", ImageID: "sha256:abc"}
	first := preStartSpec(st, svc, 0, preStartName(st, svc, 0), target)
	if first.Name != "p-db-pre_start-0" || first.Image != "sha256:abc" {
		t.Errorf("name, image = %q, %q; want p-db-pre_start-0 and the service container's image", first.Name, first.Image)
	}
	if !slices.Equal(first.Cmd, []string{"init"}) || first.User != "root" || !slices.Equal(first.Env, []string{"A=1"}) {
		t.Errorf("command, user, env = %q, %q, %q", first.Cmd, first.User, first.Env)
	}
	if !slices.Equal(first.VolumesFrom, []string{"c0ffee"}) || len(first.Mounts) != 0 {
		t.Errorf("volumes_from, mounts = %q, %v; want the service container's, none of its own", first.VolumesFrom, first.Mounts)
	}
	if len(first.Ports) != 0 || first.Healthcheck != nil || first.Restart.Name != "" {
		t.Errorf("ports, healthcheck, restart = %v, %v, %v; want none", first.Ports, first.Healthcheck, first.Restart)
	}
	if len(first.Networks) != 1 || first.Networks[0].Network != st.NetworkName("default") {
		t.Errorf("networks = %+v, want the service's", first.Networks)
	}
	want := map[string]string{
		"team": "data", stack.LabelProject: "p", stack.LabelComposeProject: "p", stack.LabelComposeService: "db",
		labelComposeHook: "pre_start", labelComposeHookIndex: "0",
	}
	for k, v := range want {
		if first.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, first.Labels[k], v)
		}
	}
	for _, k := range []string{stack.LabelService, stack.LabelConfigHash, stack.LabelComposeConfigHash, stack.LabelComposeNumber} {
		if _, ok := first.Labels[k]; ok {
			t.Errorf("label %s is set: a hook's container must not pass for one of the service's", k)
		}
	}
	second := preStartSpec(st, svc, 1, preStartName(st, svc, 1), target)
	if second.Image != "alpine" || !slices.Equal(second.Entrypoint, []string{"sh"}) || second.WorkingDir != "/w" || second.Labels[labelComposeHookIndex] != "1" {
		t.Errorf("second hook: image %q, entrypoint %q, working dir %q, index %q", second.Image, second.Entrypoint, second.WorkingDir, second.Labels[labelComposeHookIndex])
	}
}

// Hooks run once per service in a run, whatever number of replicas start,
// and every replica sees the one run's error.
func TestPreStartOnce(t *testing.T) {
	var o preStartOnce
	var runs atomic.Int32
	boom := errors.New("boom")
	for range 3 {
		if err := o.do("db", func() error { runs.Add(1); return boom }); !errors.Is(err, boom) {
			t.Errorf("do = %v, want the run's error", err)
		}
	}
	if err := o.do("web", func() error { runs.Add(1); return nil }); err != nil {
		t.Errorf("web: %v", err)
	}
	if got := runs.Load(); got != 2 {
		t.Errorf("hooks ran %d times, want once per service (2)", got)
	}
}
