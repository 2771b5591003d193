package backend

import (
	"time"

	"github.com/stackctl/stackctl/internal/engine"
)

// Event is one thing that happened to a container of the project, as
// Compose's events reports it: Attributes are the container's labels and
// name and image, less Compose's own labels.
type Event struct {
	Time       time.Time
	Service    string
	Container  string
	Action     string
	Attributes map[string]string
}

// EventsOptions say whose events Events reports, over what time, and to
// whom.
type EventsOptions struct {
	// Services are the services whose containers' events are reported
	// (all when none); one-offs are never.
	Services []string
	// Since and Until are the engine's forms (Unix time, RFC 3339, or a
	// duration back from now); "" is now and for ever.
	Since, Until string
	// Consumer is told of each event in order; its error ends Events.
	Consumer func(Event) error
}

// Usage is what one container of the project uses at one moment.
type Usage struct {
	Service, Name, ID string
	engine.Usage
}

// StatsOptions say whose usage Stats samples and how often.
type StatsOptions struct {
	// Services are the services whose containers are sampled (all when
	// none); All takes stopped ones too (all zero), as docker stats -a.
	Services []string
	All      bool
	// Stream samples again and again, until ctx ends; otherwise once.
	Stream bool
	// Consumer is told of each round's samples, in PS's order; its error
	// ends Stats.
	Consumer func([]Usage) error
}

// AttachOptions say whose container Attach connects to.
type AttachOptions struct {
	Service string
	// Index is the replica (1-based); 0 is the lowest-numbered one.
	Index      int
	Stdio      engine.Stdio
	DetachKeys string
}

// PullOptions say whose images Pull pulls.
type PullOptions struct {
	Services []string
	// IncludeDeps takes the services the named ones depend on too.
	IncludeDeps bool
	// Missing pulls only the images not on the engine (Compose's
	// --policy missing); otherwise every image is pulled again.
	Missing bool
	// IgnoreBuildable leaves the images of services with a build section
	// to the build; IgnoreFailures reports a failed pull and goes on.
	IgnoreBuildable bool
	IgnoreFailures  bool
	// Quiet reports nothing of the pulls' progress.
	Quiet bool
}

// PushOptions say whose images Push pushes.
type PushOptions struct {
	Services       []string
	IncludeDeps    bool
	IgnoreFailures bool
	Quiet          bool
}
