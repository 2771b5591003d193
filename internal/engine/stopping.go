package engine

import (
	"context"
	"sync"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// ContainerStopping stops a container as ContainerStop does, and tells
// when its process died, before the stop returns. The engine reports a
// death ("die") as soon as the process is gone, and answers the stop only
// once it has also released the container's network and mounts: 0.13 s
// later on this engine. What only needed the process gone (a dependency
// stopping after its dependents) need not wait for that.
//
// died closes at the death, or when the stop returns, whichever comes
// first (the stop of a container that was not running reports none);
// stopped waits for the stop and returns its error.
func (c *Client) ContainerStopping(ctx context.Context, ref string, timeout time.Duration) (died <-chan struct{}, stopped func() error) {
	dead := make(chan struct{})
	var once sync.Once
	markDead := func() { once.Do(func() { close(dead) }) }

	watchCtx, stopWatching := context.WithCancel(ctx)
	// Events returns once the engine has answered the subscription, so a
	// death after the stop below cannot be missed. A watch that fails
	// leaves the stop's return to say it.
	deaths, failed := c.api.Events(watchCtx, events.ListOptions{Filters: filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("event", string(events.ActionDie)),
		filters.Arg("container", ref),
	)})
	go func() {
		select {
		case <-deaths:
			markDead()
		case <-failed:
		case <-watchCtx.Done():
		}
	}()

	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		defer stopWatching()
		err = c.ContainerStop(ctx, ref, timeout)
		markDead()
	}()
	return dead, func() error {
		<-done
		return err
	}
}
