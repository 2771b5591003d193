package progress

import (
	"slices"
	"sync"
)

// Recorder is a Reporter that keeps every event, for whoever reads them
// afterwards. It is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *Recorder) Report(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Events are the events reported so far, in order.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}
