// Package orchestrator converges a stack onto a container engine: it builds
// or finds images, creates networks and volumes, and starts services in
// dependency order, gating each on its dependencies' conditions; and it takes
// the stack down, lists it and streams its logs. It knows nothing of
// terminals or command lines: it reports progress events and returns results.
package orchestrator

import (
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/progress"
)

// Orchestrator runs stacks on one engine.
type Orchestrator struct {
	engine Engine
	// backend runs the services; the Docker engine's for now.
	backend  Backend
	progress progress.Reporter
	// probeGap is the pause between two fast health probes.
	probeGap time.Duration
	// signalPid signals a host process; tests replace it.
	signalPid func(pid int, sig syscall.Signal) error
	// helperBinary is the stackctl binary the crash helper runs ("": the
	// running one).
	helperBinary string
}

// New returns an orchestrator for eng that reports to reporter (nil: nowhere).
func New(eng Engine, reporter progress.Reporter) *Orchestrator {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	o := &Orchestrator{engine: eng, progress: reporter, probeGap: 50 * time.Millisecond, signalPid: syscall.Kill}
	o.backend = dockerBackend{o: o}
	return o
}

func (o *Orchestrator) report(resource, status, detail string) {
	o.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "info"})
}

func (o *Orchestrator) reportError(resource, status, detail string) {
	o.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "error"})
}

func (o *Orchestrator) reportWarning(resource, status, detail string) {
	o.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "warning"})
}
