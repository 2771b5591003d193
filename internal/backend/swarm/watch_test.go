package swarm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// What a swarm cannot do of Compose's commands is refused before the
// engine is asked anything, naming what to use instead.
func TestComposeCommandsASwarmCannotDoAreRefusedNamingTheAlternative(t *testing.T) {
	b := New(nil, nil)
	ctx := context.Background()
	st := &stack.Stack{Project: "cliswarm"}
	_, attachErr := b.Attach(ctx, st, backend.AttachOptions{Service: "web"})
	for verb, tt := range map[string]struct {
		err  error
		want string
	}{
		"events": {b.Events(ctx, st, backend.EventsOptions{}), "stackctl --swarm ps"},
		"stats":  {b.Stats(ctx, st, backend.StatsOptions{}), "docker stats"},
		"attach": {attachErr, "logs -f"},
		"down":   {b.Down(ctx, st, backend.DownOptions{Images: backend.RmiAll}), "docker image rm"},
		"create": {func() error {
			_, err := b.Converge(st, backend.Plan{}, backend.UpOptions{NoStart: true}).Create(ctx, backend.ServicePlan{Service: &stack.Service{Name: "web"}})
			return err
		}(), "stackctl --swarm up"},
	} {
		if !errors.Is(tt.err, ErrNotOnSwarm) || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s on a swarm: %v, want ErrNotOnSwarm naming %q", verb, tt.err, tt.want)
		}
	}
}

// watch's sync triggers are refused on a swarm, saying to rebuild
// instead; the backend says so without asking the engine.
func TestSyncIntoTasksIsRefusedNamingRebuild(t *testing.T) {
	err := New(nil, nil).SyncRefusal()
	if !errors.Is(err, ErrNotOnSwarm) || !strings.Contains(err.Error(), "action: rebuild") || !strings.Contains(err.Error(), "--registry") {
		t.Errorf("sync on a swarm: %v, want ErrNotOnSwarm naming action: rebuild and --registry", err)
	}
}
