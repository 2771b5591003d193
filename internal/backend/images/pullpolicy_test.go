package images

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Each pull_policy decides with the image's presence and age, as
// Compose's mustPull does.
func TestMustPull(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	fresh := engine.Image{ID: "sha256:a", Tagged: now.Add(-time.Hour)}
	stale := engine.Image{ID: "sha256:a", Tagged: now.Add(-25 * time.Hour)}
	tests := []struct {
		name    string
		policy  string
		refresh time.Duration
		present bool
		img     engine.Image
		pull    bool
		err     string
	}{
		{"missing, present", "", 0, true, fresh, false, ""},
		{"missing, absent", "", 0, false, engine.Image{}, true, ""},
		{"always, present", stack.PullAlways, 0, true, fresh, true, ""},
		{"never, present", stack.PullNever, 0, true, fresh, false, ""},
		{"never, absent", stack.PullNever, 0, false, engine.Image{}, false, "pull_policy never: image redis:7 is not on the engine"},
		{"build without a build", stack.PullBuild, 0, true, fresh, false, "pull_policy build: no build section"},
		{"daily, tagged an hour ago", stack.PullRefresh, 24 * time.Hour, true, fresh, false, ""},
		{"daily, tagged a day ago", stack.PullRefresh, 24 * time.Hour, true, stale, true, ""},
		{"daily, absent", stack.PullRefresh, 24 * time.Hour, false, engine.Image{}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := imageWork{ref: "redis:7", services: []string{"kv"}, policy: tt.policy, refresh: tt.refresh}
			pull, err := mustPull(w, tt.present, tt.img, now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || pull != tt.pull {
				t.Errorf("pull = %v, %v; want %v", pull, err, tt.pull)
			}
		})
	}
}

// pull_policy always pulls an image the engine has, and a pull that fails
// fails, naming the policy.
func TestPullPolicyAlwaysFailsWhenThePullFails(t *testing.T) {
	f := newFakeEngine()
	f.add("aa", "redis:7")
	st := &stack.Stack{Project: "p", Services: []stack.Service{{Name: "kv", Image: "redis:7", PullPolicy: stack.PullAlways}}}
	_, _, err := New(f, nil).Ensure(context.Background(), st, false)
	var missing *backend.ImageMissingError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "pull_policy always") {
		t.Fatalf("error = %v, want the failed pull under pull_policy always", err)
	}
	// Without the policy the local image is used.
	st.Services[0].PullPolicy = ""
	if _, _, err := New(f, nil).Ensure(context.Background(), st, false); err != nil {
		t.Fatalf("the default policy with the image present: %v", err)
	}
}

// The image a volume of type image mounts is made present as a service's
// image is, as Compose pulls it: used when the engine has it, pulled when
// it does not, and a failed pull fails, naming that image.
func TestAnImageMountsImageIsPulledWhenMissing(t *testing.T) {
	f := newFakeEngine()
	f.add("aa", "redis:7")
	f.add("bb", "busybox:latest")
	st := &stack.Stack{Project: "p", Services: []stack.Service{{Name: "kv", Image: "redis:7",
		Mounts: []stack.Mount{{Type: stack.MountImage, Source: "busybox:latest", Target: "/tools"}}}}}
	ids, pulled, err := New(f, nil).Ensure(context.Background(), st, false)
	if err != nil {
		t.Fatal(err)
	}
	if ids["busybox:latest"] != fullID("bb") || pulled {
		t.Errorf("ids = %v, pulled %v; want busybox:latest's present image, nothing pulled", ids, pulled)
	}
	st.Services[0].Mounts[0].Source = "alpine:latest"
	_, _, err = New(f, nil).Ensure(context.Background(), st, false)
	var missing *backend.ImageMissingError
	if !errors.As(err, &missing) || missing.Ref != "alpine:latest" {
		t.Fatalf("error = %v, want the failed pull of alpine:latest", err)
	}
}
