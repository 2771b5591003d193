package progress

// Change is what a watch did about one batch of changed files for one
// service. The event that reports it carries it whole, so an editor or a
// script reads these fields instead of parsing the line.
type Change struct {
	Service string `json:"service"`
	// Action is the develop.watch action of the rules the files matched
	// ("rebuild", "sync", "sync+restart", "sync+exec", "restart"); files
	// that matched rules of several actions name each, joined by ",".
	Action string `json:"action"`
	// Files are the changed files, relative to the project directory.
	Files []string `json:"files"`
	// DurationMS is the time from the batch's start until the service
	// served again (or the failure), in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Outcome is "serving" once the service serves the change, "failed"
	// otherwise; Error then says why (for a build, the failing step).
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// The outcomes of a Change.
const (
	Serving = "serving"
	Failed  = "failed"
)
