package backend

// LogsOptions select what Logs shows.
type LogsOptions struct {
	// Services limits the logs to these services; empty means all.
	Services []string
	Follow   bool
	// Tail is the number of lines per container from the end; negative is all.
	Tail int
}
