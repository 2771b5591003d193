package swarm

import (
	"context"
	"io"
	"sync"
	"time"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// Engine is what the swarm backend asks of a swarm manager's engine. The
// manager is a node too: kill crashes the tasks that run on it through
// it.
type Engine interface {
	images.Engine
	NodeEngine
	ImageTag(ctx context.Context, source, target string) error
	ImagePush(ctx context.Context, ref string, progress func(string)) (string, error)

	SwarmInspect(ctx context.Context) (engine.SwarmState, error)
	NodeList(ctx context.Context) ([]engine.Node, error)
	NodeUpdateLabels(ctx context.Context, nodeID string, set map[string]string, remove ...string) error

	NetworkList(ctx context.Context, name string) ([]engine.Network, error)
	NetworkCreateWith(ctx context.Context, name string, opts engine.NetworkOptions) error
	NetworkRemove(ctx context.Context, name string) error
	VolumeList(ctx context.Context, labels map[string]string) ([]engine.Volume, error)
	VolumeRemove(ctx context.Context, name string) error

	FitServiceSpec(spec swarmapi.ServiceSpec) (swarmapi.ServiceSpec, []string)
	ServiceCreate(ctx context.Context, spec swarmapi.ServiceSpec) (string, []string, error)
	ServiceInspect(ctx context.Context, ref string) (engine.Service, error)
	ServiceUpdate(ctx context.Context, id string, version uint64, spec swarmapi.ServiceSpec) ([]string, error)
	ServiceList(ctx context.Context, labels map[string]string) ([]engine.Service, error)
	ServiceRemove(ctx context.Context, ref string) error
	ServiceLogs(ctx context.Context, ref string, opts engine.LogsOptions, stdout, stderr io.Writer) error
	TaskList(ctx context.Context, f engine.TaskFilter) ([]engine.Task, error)

	SecretCreate(ctx context.Context, spec swarmapi.SecretSpec) (string, error)
	SecretList(ctx context.Context, labels map[string]string) ([]engine.SwarmObject, error)
	SecretRemove(ctx context.Context, ref string) error
	ConfigCreate(ctx context.Context, spec swarmapi.ConfigSpec) (string, error)
	ConfigList(ctx context.Context, labels map[string]string) ([]engine.SwarmObject, error)
	ConfigRemove(ctx context.Context, ref string) error
}

// Backend runs a stack's services as the services of a Docker swarm,
// through one of its managers: a service of the file is one swarm service
// that runs all its replicas, the swarm schedules and restarts the tasks,
// and stackctl orders the services' start-up by their dependencies and
// gates each on its dependencies' health, which `docker stack deploy`
// does not.
type Backend struct {
	engine   Engine
	images   *images.Store
	progress progress.Reporter
	// registry is where images are pushed so every node can pull them
	// ("": each node must have them already).
	registry string
	// poll is the pause between two looks at a service's tasks.
	poll time.Duration
	// endpointMode overrides the detection of IPVS ("": detect).
	endpointMode swarmapi.ResolutionMode
	// killer crashes tasks' containers; killOpts configure it.
	killer   *crash.Killer
	killOpts []crash.Option
	// nodeEngines are the engine addresses of other nodes, by hostname or
	// ID; dial connects to one (tests replace it).
	nodeEngines map[string]string
	dial        func(ctx context.Context, host string) (NodeEngine, func(), error)

	mu sync.Mutex
	// prepared holds, per project, what Prepare found out for the specs.
	prepared map[string]*prepared
}

var _ backend.Backend = (*Backend)(nil)

// Option adjusts a Backend.
type Option func(*Backend)

// WithRegistry makes the backend push every image the stack runs to
// registry (host:port) and deploy it by digest, so that every node can
// pull it.
func WithRegistry(registry string) Option {
	return func(b *Backend) { b.registry = registry }
}

// WithEndpointMode sets how services are reached, vip or dnsrr, instead of
// detecting whether the nodes have IPVS.
func WithEndpointMode(mode string) Option {
	return func(b *Backend) { b.endpointMode = swarmapi.ResolutionMode(mode) }
}

// WithCrashHelper names the stackctl binary the crash helper runs on a
// node whose engine is not this machine's; the default is the running
// program.
func WithCrashHelper(path string) Option {
	return func(b *Backend) { b.killOpts = append(b.killOpts, crash.WithHelperBinary(path)) }
}

// New returns the backend for the swarm that eng manages, reporting to
// reporter (nil: nowhere).
func New(eng Engine, reporter progress.Reporter, opts ...Option) *Backend {
	if reporter == nil {
		reporter = progress.Discard{}
	}
	b := &Backend{engine: eng, images: images.New(eng, reporter), progress: reporter, poll: 100 * time.Millisecond, prepared: map[string]*prepared{}, dial: dialEngine}
	for _, opt := range opts {
		opt(b)
	}
	b.killer = crash.New(reporter, b.killOpts...)
	return b
}

// InstanceNames is the service's one swarm service, which runs all its
// replicas.
func (b *Backend) InstanceNames(st *stack.Stack, svc *stack.Service) []string {
	return []string{ServiceName(st.Project, svc.Name)}
}

// InstanceKind is what progress calls an instance here.
func (b *Backend) InstanceKind() string { return "service" }

func (b *Backend) report(resource, status, detail string) {
	b.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "info"})
}

func (b *Backend) reportError(resource, status, detail string) {
	b.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "error"})
}

func (b *Backend) reportWarning(resource, status, detail string) {
	b.progress.Report(progress.Event{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: "warning"})
}

// Build builds the images of the named services (all when none is named)
// that have a build section.
func (b *Backend) Build(ctx context.Context, st *stack.Stack, services []string) error {
	return b.images.Build(ctx, st, services)
}

// Images lists the image of every service and whether the manager's
// engine has it.
func (b *Backend) Images(ctx context.Context, st *stack.Stack) ([]backend.ImageStatus, error) {
	return b.images.List(ctx, st)
}
