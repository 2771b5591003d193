package backend

import "time"

// DownOptions tune Down.
type DownOptions struct {
	// Volumes also removes the project's named volumes.
	Volumes bool
	// Timeout overrides every service's stop grace period when positive.
	Timeout time.Duration
	// Images also removes images, as Compose's down --rmi: RmiLocal those
	// the project builds under Compose's default name, RmiAll every
	// image the services run.
	Images string
}

// The values of DownOptions.Images.
const (
	RmiLocal = "local"
	RmiAll   = "all"
)

// DefaultGracePeriod is how long an instance whose service sets no stop
// grace period has to stop: the Docker engine's own default.
const DefaultGracePeriod = 10 * time.Second
