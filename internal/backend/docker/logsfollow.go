package docker

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// logFollower is Logs with Follow: it streams the containers listed when
// it began and, as the engine starts new ones of the same services (a
// replacement by up or watch, a scale), those too, from their first line,
// as Compose's logs --follow does. It ends when ctx ends or when its
// streams have all ended and none of the services' containers is left (a
// down); a container that only stopped is waited for, as one stream waits
// for its container's restart.
type logFollower struct {
	b    *Backend
	st   *stack.Stack
	opts backend.LogsOptions
	w    io.Writer

	mu        sync.Mutex // guards the fields below, and serialises writes to w
	width     int
	streaming map[string]bool
	active    int
	errs      []error
	// idle gets a value each time the last active stream ends.
	idle chan struct{}
	wg   sync.WaitGroup
}

func (b *Backend) followLogs(ctx context.Context, st *stack.Stack, opts backend.LogsOptions, w io.Writer, listed time.Time, containers []backend.ContainerStatus, width int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := &logFollower{b: b, st: st, opts: opts, w: w, width: width, streaming: map[string]bool{}, idle: make(chan struct{}, 1)}
	for _, c := range containers {
		f.stream(ctx, c.ID, c.Name, opts)
	}
	// From just before the listing, so that a container started between
	// the listing and the subscription is not missed; one already
	// streamed is skipped.
	// With Until, the subscription ends then, and so does the follow.
	subscription := engine.EventsOptions{Labels: map[string]string{stack.LabelProject: st.Project}, Since: engineTime(listed)}
	if !opts.Until.IsZero() {
		subscription.Until = engineTime(opts.Until)
	}
	events := make(chan error, 1)
	go func() { events <- b.engine.ContainerEvents(ctx, subscription, f.started(ctx)) }()
	var err error
	for err == nil && ctx.Err() == nil {
		if f.idleNow() {
			left, lerr := f.selected(ctx)
			if lerr != nil {
				err = lerr
				break
			}
			if len(left) == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
		case <-f.idle:
		case err = <-events:
			if err == nil && ctx.Err() == nil && opts.Until.IsZero() {
				err = errors.New("the engine's event stream ended")
			}
			if err == nil {
				cancel() // Until has passed
			}
		}
	}
	cancel()
	f.wg.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ctx.Err() != nil && len(f.errs) == 0 {
		return nil
	}
	return errors.Join(f.errs...)
}

// started is the event handler: a container of the selection that starts
// and is not streamed yet is streamed from its first line.
func (f *logFollower) started(ctx context.Context) func(engine.ContainerEvent) error {
	return func(e engine.ContainerEvent) error {
		if e.Action != "start" || e.Attributes[stack.LabelComposeOneOff] == "True" {
			return nil
		}
		if len(f.opts.Services) > 0 && !slices.Contains(f.opts.Services, e.Attributes[stack.LabelService]) {
			return nil
		}
		if f.opts.Index > 0 && e.Attributes[stack.LabelReplica] != strconv.Itoa(f.opts.Index) {
			return nil
		}
		opts := f.opts
		opts.Tail, opts.Since = -1, time.Time{}
		f.stream(ctx, e.ID, e.Attributes["name"], opts)
		return nil
	}
}

// stream follows one container's logs, unless it is followed already.
func (f *logFollower) stream(ctx context.Context, id, name string, opts backend.LogsOptions) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.streaming[id] {
		return
	}
	f.streaming[id] = true
	f.active++
	f.width = max(f.width, len(name))
	lw := backend.NewPrefixWriter(f.w, &f.mu, opts.Prefix(name, f.width))
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		err := f.b.streamLogs(ctx, id, opts, lw)
		lw.Flush()
		f.mu.Lock()
		defer f.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			f.errs = append(f.errs, err)
		}
		f.active--
		if f.active == 0 {
			select {
			case f.idle <- struct{}{}:
			default:
			}
		}
	}()
}

func (f *logFollower) idleNow() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.active == 0
}

// selected are the project's containers of the selection, running or not.
func (f *logFollower) selected(ctx context.Context) ([]backend.ContainerStatus, error) {
	all, err := f.b.PS(ctx, f.st)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c backend.ContainerStatus) bool { return c.OneOff || !f.selects(c) }), nil
}

func (f *logFollower) selects(c backend.ContainerStatus) bool {
	return (len(f.opts.Services) == 0 || slices.Contains(f.opts.Services, c.Service)) && (f.opts.Index == 0 || c.Replica == f.opts.Index)
}

// engineTime is t as the engine's event filters take it: Unix seconds.
func engineTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}
