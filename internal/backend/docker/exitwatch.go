package docker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// A one-shot's completion is told by the engine before it can be read: the
// engine reports a container's death as soon as its process is gone, and an
// inspect waits until the engine has released the container. Polling
// inspects would find a completion only then, and later still by the
// poll's interval. So the wait for a one-shot watches its
// exits: an exit 0 is its completion at once, unless its restart policy
// runs it again on success; any other exit is left to an inspect, which
// knows whether the policy restarts it. A check every second besides
// covers a death the watch missed, and a watch that fails falls back to
// polling.

// completionRecheck is how often a one-shot's wait inspects it while the
// engine's word on its exits is awaited.
const completionRecheck = time.Second

// errWatchLost ends a wait whose watch of the container's exits failed.
var errWatchLost = errors.New("the watch of the container's exits failed")

// exitWatch is the watch of one container's exits.
type exitWatch struct {
	// told delivers once after exits told, and when the watch fails.
	told chan struct{}

	mu sync.Mutex
	// exitedZero says an exit 0 was told; lost, that the watch failed.
	exitedZero, lost bool
}

// watchExits watches the container's exits until ctx ends.
func (b *Backend) watchExits(ctx context.Context, id string) *exitWatch {
	deaths := b.engine.ContainerDeaths(ctx, id)
	w := &exitWatch{told: make(chan struct{}, 1)}
	go func() {
		for code := range deaths {
			w.mu.Lock()
			w.exitedZero = w.exitedZero || code == 0
			w.mu.Unlock()
			w.tell()
		}
		if ctx.Err() == nil {
			w.mu.Lock()
			w.lost = true
			w.mu.Unlock()
			w.tell()
		}
	}()
	return w
}

func (w *exitWatch) tell() {
	select {
	case w.told <- struct{}{}:
	default:
	}
}

// completed holds once an exit 0 was told of svc's container, unless svc's
// policy restarts it on success; it fails with errWatchLost once the watch
// has failed.
func (w *exitWatch) completed(svc *stack.Service) wait.Condition {
	restartsOnSuccess := svc.Restart.RestartsWhateverTheExit()
	return wait.Func(func(context.Context) (bool, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.lost {
			return false, errWatchLost
		}
		return w.exitedZero && !restartsOnSuccess, nil
	})
}

// untilCompleted waits for a one-shot container as wait.Until(probeGap,
// inspected) would, told of its exits (see above). inspected is the
// completion as an inspect reads it, and decides all but an exit 0.
func (b *Backend) untilCompleted(ctx context.Context, svc *stack.Service, id string, inspected wait.Condition) error {
	watchCtx, stopWatching := context.WithCancel(ctx)
	defer stopWatching()
	w := b.watchExits(watchCtx, id)
	err := wait.UntilNotified(ctx, completionRecheck, w.told, wait.ForAny(w.completed(svc), inspected))
	if errors.Is(err, errWatchLost) {
		return wait.Until(ctx, b.probeGap, inspected)
	}
	return err
}
