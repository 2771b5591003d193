// Package crash is how every backend crashes a container the way a real
// crash looks: SIGKILL to its main process from outside the engine's API,
// which the engine sees as the process dying (a kill through the API is a
// manual stop, which no restart policy answers, and which a swarm's
// restart supervision would not call a crash either). It kills directly by
// host PID when the engine is this machine's, else from a helper container
// in the engine host's PID namespace that runs the stackctl binary itself;
// and it times the recovery that follows, milestone by milestone, the same
// way for every backend.
package crash

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
)

// Engine is what a crash asks of the engine that runs the container: the
// container, and the helper's image and container when the engine is not
// this machine's.
type Engine interface {
	ContainerInspect(ctx context.Context, ref string) (engine.Container, error)
	ContainerCreate(ctx context.Context, spec engine.ContainerSpec) (string, error)
	ContainerStart(ctx context.Context, ref string) error
	ContainerRemove(ctx context.Context, ref string) error
	ContainerLogs(ctx context.Context, ref string, opts engine.LogsOptions, stdout, stderr io.Writer) error
	ImageInspect(ctx context.Context, ref string) (engine.Image, error)
	ImageCreate(ctx context.Context, ref string, files []engine.ImageFile, labels map[string]string, entrypoint []string) error
	// IsLocal reports whether the engine runs on this machine, so its
	// containers' host PIDs are ours to signal.
	IsLocal() bool
	// Platform is the engine's os/architecture, as linux/amd64.
	Platform(ctx context.Context) (string, error)
}

// Killer sends the SIGKILL of a crash.
type Killer struct {
	progress progress.Reporter
	// binary is the stackctl binary the helper runs ("": the running one).
	binary string
	// signal signals a host process; tests replace it.
	signal func(pid int, sig syscall.Signal) error
	// poll is the pause between two looks at the helper.
	poll time.Duration
}

// Option adjusts a Killer.
type Option func(*Killer)

// WithHelperBinary names the stackctl binary the helper container runs;
// the default is the running program.
func WithHelperBinary(path string) Option {
	return func(k *Killer) { k.binary = path }
}

// New returns a Killer that reports to reporter (nil: nowhere).
func New(reporter progress.Reporter, opts ...Option) *Killer {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	k := &Killer{progress: reporter, signal: syscall.Kill, poll: 50 * time.Millisecond}
	for _, opt := range opts {
		opt(k)
	}
	return k
}

// Kill sends SIGKILL to the main process of c, a running container of eng:
// directly by host PID when eng is local and the PID is verifiably c's,
// otherwise from a helper container on eng, labelled with labels. It
// returns how it killed, for the report.
func (k *Killer) Kill(ctx context.Context, eng Engine, c engine.Container, labels map[string]string) (string, error) {
	if eng.IsLocal() && pidBelongsTo(c.Pid, c.ID) {
		if err := k.signal(c.Pid, syscall.SIGKILL); err == nil {
			return fmt.Sprintf("SIGKILL to host PID %d", c.Pid), nil
		}
	}
	if err := k.killFromHelper(ctx, eng, c, labels); err != nil {
		return "", fmt.Errorf("crash container %s: %w", c.Name, err)
	}
	return fmt.Sprintf("SIGKILL to host PID %d from a helper container", c.Pid), nil
}

// pidBelongsTo checks, through /proc, that pid runs in the container's
// cgroup, so a PID from a remote or virtualised engine is never signalled
// on this machine by mistake.
func pidBelongsTo(pid int, containerID string) bool {
	if pid <= 0 {
		return false
	}
	cgroup, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	return err == nil && strings.Contains(string(cgroup), containerID)
}

func (k *Killer) report(resource, status, detail string) {
	k.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "info"})
}
