package stack_test

import (
	"testing"

	"github.com/stackctl/stackctl/internal/stack"
)

const imageID = "sha256:1111"

func webHash(t *testing.T, change func(*stack.Stack, *stack.Service), id string) string {
	t.Helper()
	st := stack.Default(stack.DefaultOptions{})
	web := service(t, st, "web")
	if change != nil {
		change(st, web)
	}
	return st.ConfigHash(web, id)
}

// The hash is a fingerprint: equal for equal stacks however often it is
// computed (web's labels are a map, whose order varies).
func TestConfigHashIsStable(t *testing.T) {
	first := webHash(t, nil, imageID)
	for range 20 {
		if got := webHash(t, nil, imageID); got != first {
			t.Fatalf("ConfigHash changed between calls: %s, then %s", first, got)
		}
	}
}

func TestConfigHashChangesWithWhatTheContainerIsMadeOf(t *testing.T) {
	base := webHash(t, nil, imageID)
	tests := []struct {
		name   string
		change func(*stack.Stack, *stack.Service)
		id     string
	}{
		{"environment value", func(_ *stack.Stack, s *stack.Service) { s.Environment[0].Value = "8080" }, imageID},
		{"environment variable added", func(_ *stack.Stack, s *stack.Service) {
			s.Environment = append(s.Environment, stack.EnvVar{Name: "LOG_LEVEL", Value: "debug"})
		}, imageID},
		{"secret value", func(_ *stack.Stack, s *stack.Service) { s.Environment[3].Value = "rotated" }, imageID},
		{"image ID", nil, "sha256:2222"},
		{"published port", func(_ *stack.Stack, s *stack.Service) { s.Ports[0].HostPort = 8080 }, imageID},
		{"project", func(st *stack.Stack, _ *stack.Service) { st.Project = "shop" }, imageID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if webHash(t, tt.change, tt.id) == base {
				t.Error("ConfigHash did not change")
			}
		})
	}
}

// Scaling must not recreate the replicas that stay, and the build context
// path is not what the container is made of: the image ID covers it.
func TestConfigHashIgnoresReplicasAndBuildContext(t *testing.T) {
	base := webHash(t, nil, imageID)
	tests := []struct {
		name   string
		change func(*stack.Stack, *stack.Service)
	}{
		{"replicas", func(_ *stack.Stack, s *stack.Service) { s.Replicas = 3 }},
		{"build context", func(_ *stack.Stack, s *stack.Service) { s.Build = &stack.Build{Context: "/elsewhere/app"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if webHash(t, tt.change, imageID) != base {
				t.Error("ConfigHash changed")
			}
		})
	}
}

func TestConfigHashDiffersBetweenServices(t *testing.T) {
	st := stack.Default(stack.DefaultOptions{})
	// migrate and web share image and most settings.
	if st.ConfigHash(service(t, st, "migrate"), imageID) == st.ConfigHash(service(t, st, "web"), imageID) {
		t.Error("migrate and web have the same ConfigHash")
	}
}
