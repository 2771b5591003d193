package backend

import (
	"fmt"
	"time"
)

// LogsOptions select what Logs shows.
type LogsOptions struct {
	// Services limits the logs to these services; empty means all.
	Services []string
	Follow   bool
	// Tail is the number of lines per container from the end; negative is all.
	Tail int
	// Since and Until bound the lines by the time the engine received
	// them; zero leaves that end open.
	Since, Until time.Time
	// Timestamps starts each line with that time.
	Timestamps bool
	// NoPrefix leaves out the instance's name before each line.
	NoPrefix bool
	// Index picks one replica of each service (1-based); 0 is all.
	Index int
}

// Prefix is what goes before each line of an instance's log: its name,
// padded to width, unless NoPrefix.
func (o LogsOptions) Prefix(name string, width int) string {
	if o.NoPrefix {
		return ""
	}
	return fmt.Sprintf("%-*s | ", width, name)
}
