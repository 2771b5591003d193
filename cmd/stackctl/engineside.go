package main

import (
	"context"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// engineSide is what opening a session asks of the engine: the connection
// and, for a project, its lock (when the command changes it) and its
// deployed shape.
type engineSide struct {
	orch *session
	// err is connecting's error.
	err error
	// project is the project locked and read; "" when none was.
	project  string
	unlock   func()
	deployed stack.Deployment
	// stateErr is locking's or reading's error.
	stateErr error
}

// openEngineSide connects and, when project is known, reads its deployed
// shape, having first taken its lock if lock and it is free (no wait).
func (g *globalOptions) openEngineSide(ctx context.Context, lock bool, project string) engineSide {
	orch, err := g.connect(ctx)
	if err != nil {
		return engineSide{err: err}
	}
	if project == "" {
		return engineSide{orch: orch}
	}
	return orch.lockAndRead(ctx, lock, project, 0)
}

// lockAndRead takes the project's lock if lock, then reads its deployed
// shape, so that the shape is the one no other run changes meanwhile.
func (s *session) lockAndRead(ctx context.Context, lock bool, project string, maxWait time.Duration) engineSide {
	side := engineSide{orch: s, project: project}
	if lock {
		if side.unlock, side.stateErr = s.Lock(ctx, project, maxWait); side.stateErr != nil {
			return side
		}
	}
	side.deployed, side.stateErr = s.Deployed(ctx, project)
	return side
}

// settled reports whether the side is done for project: its lock taken
// and its shape read. Otherwise the name was not known, was another, or
// the try without waiting failed (the lock held, or let go just then):
// the lock is to be taken again the usual way, waiting, and its error is
// then the one to report.
func (e *engineSide) settled(project string) bool {
	return e.project == project && e.stateErr == nil
}

// release releases the lock when one was taken.
func (e *engineSide) release() {
	if e.unlock != nil {
		e.unlock()
		e.unlock = nil
	}
}
