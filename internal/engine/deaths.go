package engine

import (
	"context"
	"strconv"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// ContainerDeaths tells the exit code of each death of a container from
// now on, as the engine reports it: as soon as the process is gone, before
// the engine has released the container (an inspect waits for that
// release). It returns once the engine has taken the watch, so no later
// death is missed; the channel closes when ctx ends or the watch fails.
func (c *Client) ContainerDeaths(ctx context.Context, ref string) <-chan int {
	msgs, failed := c.api.Events(ctx, events.ListOptions{Filters: filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("event", string(events.ActionDie)),
		filters.Arg("container", ref),
	)})
	out := make(chan int, 1)
	go func() {
		defer close(out)
		for {
			select {
			case m := <-msgs:
				code, err := strconv.Atoi(m.Actor.Attributes["exitCode"])
				if err != nil {
					code = -1
				}
				select {
				case out <- code:
				case <-ctx.Done():
					return
				}
			case <-failed:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
