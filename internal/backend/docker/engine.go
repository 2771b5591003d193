package docker

import (
	"context"
	"io"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
)

// The engine operations the Docker backend needs, in small groups; the
// internal/engine Client implements them all, tests use an in-memory fake.

// Images finds, pulls and builds images.
type Images interface {
	ImageInspect(ctx context.Context, ref string) (engine.Image, error)
	ImagePull(ctx context.Context, ref string, progress func(string)) error
	ImageBuild(ctx context.Context, spec engine.BuildSpec, progress func(engine.BuildEvent)) (string, error)
	BoundBuildCache(ctx context.Context, keep int64) (uint64, error)
	ImageCreate(ctx context.Context, ref string, files []engine.ImageFile, labels map[string]string, entrypoint []string) error
	ImageTag(ctx context.Context, source, target string) error
	ImageRemove(ctx context.Context, ref string) error
}

// Resources manages networks and volumes.
type Resources interface {
	NetworkInspect(ctx context.Context, name string) (engine.Network, error)
	NetworkList(ctx context.Context, name string) ([]engine.Network, error)
	NetworkCreateWith(ctx context.Context, name string, opts engine.NetworkOptions) error
	NetworkRemove(ctx context.Context, name string) error
	VolumeInspect(ctx context.Context, name string) (engine.Volume, error)
	VolumeList(ctx context.Context, labels map[string]string) ([]engine.Volume, error)
	VolumeCreate(ctx context.Context, name string, labels map[string]string) error
	VolumeCreateWith(ctx context.Context, name string, opts engine.VolumeOptions) error
	VolumeClaim(ctx context.Context, name string, labels map[string]string) (engine.Volume, error)
	VolumeRemove(ctx context.Context, name string) error
}

// Containers runs containers.
type Containers interface {
	ContainerList(ctx context.Context, labels map[string]string) ([]engine.ContainerSummary, error)
	// ContainersLabelled lists the containers that carry the keys, with
	// any values; with all false only the running ones.
	ContainersLabelled(ctx context.Context, keys []string, all bool) ([]engine.ContainerSummary, error)
	ContainerInspect(ctx context.Context, ref string) (engine.Container, error)
	ContainerCreate(ctx context.Context, spec engine.ContainerSpec) (string, error)
	ContainerStart(ctx context.Context, ref string) error
	ContainerStop(ctx context.Context, ref string, timeout time.Duration) error
	// ContainerStopping is ContainerStop that also tells, before the stop
	// returns, when the container's process died.
	ContainerStopping(ctx context.Context, ref string, timeout time.Duration) (died <-chan struct{}, stopped func() error)
	// ContainerDeaths tells the exit code of each death of a container
	// from now on, before the engine has released it.
	ContainerDeaths(ctx context.Context, ref string) <-chan int
	ContainerRemove(ctx context.Context, ref string) error
	ContainerKill(ctx context.Context, ref, signal string) error
	ContainerRename(ctx context.Context, ref, newName string) error
	CopyFiles(ctx context.Context, ref, dir string, files map[string][]byte) error
	// WriteFiles is CopyFiles with each file's owner and mode.
	WriteFiles(ctx context.Context, ref, dir string, files map[string]engine.File) error
	ContainerLogs(ctx context.Context, ref string, opts engine.LogsOptions, stdout, stderr io.Writer) error
	Exec(ctx context.Context, ref string, cmd []string) (engine.ExecResult, error)
	ExecWith(ctx context.Context, ref string, spec engine.ExecSpec) (engine.ExecResult, error)
}

// Host tells where the engine runs.
type Host interface {
	// IsLocal reports whether the engine runs on this machine, so its
	// containers' host PIDs are ours to signal.
	IsLocal() bool
	// Platform is the engine's os/architecture, as linux/amd64.
	Platform(ctx context.Context) (string, error)
}

// Manual is what the commands a user runs by hand on a stack's containers
// need: pause, top, wait, rm and cp.
type Manual interface {
	ContainerPause(ctx context.Context, ref string) error
	ContainerUnpause(ctx context.Context, ref string) error
	ContainerTop(ctx context.Context, ref string) (engine.Processes, error)
	// ContainerWait returns once the container is not running, with the
	// exit code of its last run.
	ContainerWait(ctx context.Context, ref string) (int, error)
	// ContainerRemoveStopped removes a container that is not running, and
	// with volumes its anonymous volumes.
	ContainerRemoveStopped(ctx context.Context, ref string, volumes bool) error
	ContainerStatPath(ctx context.Context, ref, path string) (engine.PathStat, error)
	CopyToContainer(ctx context.Context, ref, dir string, archive io.Reader) error
	CopyFromContainer(ctx context.Context, ref, path string) (io.ReadCloser, engine.PathStat, error)
}

// Engine is everything the Docker backend asks of the container engine.
type Engine interface {
	Images
	Resources
	Containers
	Host
	Interactive
	Manual
	Watching
}
