package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// ContainerEvent is one thing that happened to a container, as the
// engine's event stream tells it.
type ContainerEvent struct {
	Time   time.Time
	ID     string
	Action string
	// Attributes are the container's labels, with name and image.
	Attributes map[string]string
}

// EventsOptions select the engine's container events: those of containers
// carrying every label (KEY=VALUE), from Since to Until (the engine's
// forms: a Unix time, an RFC 3339 date or a duration back from now; ""
// is now and for ever).
type EventsOptions struct {
	Labels       map[string]string
	Since, Until string
}

// ContainerEvents hands each container event to fn, in order, until ctx
// ends (nil), Until passes (nil), the engine drops the stream (an error
// naming the engine) or fn returns an error.
func (c *Client) ContainerEvents(ctx context.Context, opts EventsOptions, fn func(ContainerEvent) error) error {
	args := filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)))
	for k, v := range opts.Labels {
		args.Add("label", k+"="+v)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	messages, errs := c.api.Events(ctx, events.ListOptions{Filters: args, Since: opts.Since, Until: opts.Until})
	for {
		select {
		case m := <-messages:
			at := time.Unix(m.Time, 0)
			if m.TimeNano != 0 {
				at = time.Unix(0, m.TimeNano)
			}
			if err := fn(ContainerEvent{Time: at, ID: m.Actor.ID, Action: string(m.Action), Attributes: m.Actor.Attributes}); err != nil {
				return err
			}
		case err := <-errs:
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("read the events of engine %s: %w", c.Host(), err)
		}
	}
}
