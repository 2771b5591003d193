// Package orchestrator converges a stack onto a backend: it observes what
// runs, reconciles that with the stack into a plan (reconcile, with no
// engine call), and carries the plan out (execute): every missing instance
// created, then the services walked in dependency order, each applied by
// the backend once its dependencies meet their conditions. The backend (a
// Docker engine, a swarm; see internal/backend for the contract) does the
// rest of the verbs in its own way, but for run's dependencies, which the
// orchestrator brings up as up does. It knows nothing of terminals or command lines: it
// reports progress events and returns results.
package orchestrator

import (
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/progress"
)

// Orchestrator runs stacks on one backend: Up is its own, shared by every
// backend; the other verbs are the backend's.
type Orchestrator struct {
	backend.Backend
	progress progress.Reporter
}

// New returns an orchestrator that runs stacks on backend and reports to
// reporter (nil: nowhere).
func New(backend backend.Backend, reporter progress.Reporter) *Orchestrator {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	return &Orchestrator{Backend: backend, progress: reporter}
}

func (o *Orchestrator) report(resource, status, detail string) {
	o.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "info"})
}

func (o *Orchestrator) reportWarning(resource, status, detail string) {
	o.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "warning"})
}

func (o *Orchestrator) reportError(resource, status, detail string) {
	o.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "error"})
}
