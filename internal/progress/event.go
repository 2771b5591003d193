// Package progress carries what stackctl is doing to the person (or program)
// watching: events from the orchestrator, rendered as live status lines on a
// terminal, plain lines on a pipe, or one JSON object per event.
package progress

import "time"

// Event is one step of work on one resource.
type Event struct {
	Time time.Time `json:"time"`
	// Resource names what the event is about: "container web-app",
	// "image postgres:15", "network app-network".
	Resource string `json:"resource"`
	// Status is a short word or phrase: "creating", "started", "healthy".
	Status string `json:"status"`
	// Detail is optional context: a duration, a reason, a line of output.
	Detail string `json:"detail,omitempty"`
	// Level is "info" or, for a problem, "error".
	Level string `json:"level,omitempty"`
	// Change, on a watch's event about one batch of changes, is what was
	// done, as fields.
	Change *Change `json:"change,omitempty"`
}

// Reporter receives events. Implementations must be safe for concurrent use.
type Reporter interface {
	Report(Event)
}

// Discard is a Reporter that drops every event.
type Discard struct{}

// Report drops e.
func (Discard) Report(Event) {}
