package store

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
)

type reachability int32

const (
	reachabilityUnknown reachability = iota
	reachable
	unreachable
)

// dependency remembers whether a backing service answered last time, so
// that an outage is logged when it starts and when it ends, not on every
// request in between.
type dependency struct {
	log  *slog.Logger
	name string
	// answered tells errors that prove the server is reachable (for
	// example a SQL error) from those that do not (refused, timed out).
	answered func(error) bool
	state    atomic.Int32
}

func newDependency(log *slog.Logger, name string, answered func(error) bool) *dependency {
	return &dependency{log: log, name: name, answered: answered}
}

// observe records the outcome of one operation against the dependency and
// reports whether that outcome showed it unreachable.
func (d *dependency) observe(err error) (down bool) {
	// A caller that gave up (client disconnected, server shutting down)
	// says nothing about the dependency.
	if errors.Is(err, context.Canceled) {
		return false
	}
	next := reachable
	if err != nil && !d.answered(err) {
		next = unreachable
	}
	previous := reachability(d.state.Swap(int32(next)))
	if previous != next {
		switch {
		case next == unreachable:
			d.log.Warn(d.name+" unreachable", "dependency", d.name, "error", err.Error())
		case previous == reachabilityUnknown:
			d.log.Info(d.name+" reachable", "dependency", d.name)
		default:
			d.log.Info(d.name+" reachable again", "dependency", d.name)
		}
	}
	return next == unreachable
}
