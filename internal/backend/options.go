package backend

import "time"

// UpOptions tune Up.
type UpOptions struct {
	// Build rebuilds images with a build section even when their context
	// did not change.
	Build bool
	// WaitTimeout bounds each wait for a service to become ready.
	WaitTimeout time.Duration
	// BatchSize is how many replicas a rolling update replaces at once
	// (0 is 1).
	BatchSize int
	// MinReady is how long a new replica must stay healthy before the
	// rolling update goes on.
	MinReady time.Duration
	// NoWait returns once every service is started, without waiting for
	// services that nothing depends on to become healthy.
	NoWait bool
	// RemoveOrphans removes the project's containers of services the stack
	// no longer has; without it they are reported and left.
	RemoveOrphans bool
	// Recreate says which instances are replaced: RecreateDiverged (the
	// default, ""), RecreateForce or RecreateNever.
	Recreate string
	// Services limits up to these services and, unless NoDeps, the
	// services they depend on; empty is every service.
	Services []string
	NoDeps   bool
	// NoStart creates the missing instances and starts none, as Compose's
	// create and up --no-start: an instance that exists is left as it is
	// (the next up replaces it if its configuration changed).
	NoStart bool
	// StopTimeout, when above 0, bounds the stop of every instance up
	// replaces or restarts, over the services' grace periods.
	StopTimeout time.Duration
}

// The Recreate policies, as Compose names them.
const (
	// RecreateDiverged replaces the instances whose configuration changed.
	RecreateDiverged = "diverged"
	// RecreateForce replaces every instance, changed or not.
	RecreateForce = "force"
	// RecreateNever keeps instances whose configuration changed, as they
	// are (started if stopped).
	RecreateNever = "never"
)

// DefaultWaitTimeout bounds a wait when UpOptions.WaitTimeout is zero.
const DefaultWaitTimeout = 2 * time.Minute
