package engine

import (
	"context"
	"sync"
	"time"
)

// ContainerStopping stops a container as ContainerStop does, and tells
// when its process died, before the stop returns. The engine reports a
// death ("die") as soon as the process is gone, and answers the stop only
// once it has also released the container's network and mounts, which
// takes it a while longer. What only needed the process gone (a
// dependency stopping after its dependents) need not wait for that.
//
// died closes at the death, or when the stop returns, whichever comes
// first (the stop of a container that was not running reports none);
// stopped waits for the stop and returns its error.
func (c *Client) ContainerStopping(ctx context.Context, ref string, timeout time.Duration) (died <-chan struct{}, stopped func() error) {
	dead := make(chan struct{})
	var once sync.Once
	markDead := func() { once.Do(func() { close(dead) }) }

	watchCtx, stopWatching := context.WithCancel(ctx)
	deaths := c.ContainerDeaths(watchCtx, ref)
	go func() {
		// A watch that fails closes deaths and leaves the stop's return
		// to tell.
		if _, ok := <-deaths; ok {
			markDead()
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
