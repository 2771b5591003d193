package docker

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Compose's labels for a lifecycle-hook container: its kind (pre_start)
// and its place in the service's list. A hook container carries no
// configuration hash, so no one takes it for one of the service's.
const (
	labelComposeHook      = "com.docker.compose.hook"
	labelComposeHookIndex = "com.docker.compose.hook-index"
	preStartHook          = "pre_start"
)

// preStartTailLines is how many of a failed hook's last log lines its
// error carries.
const preStartTailLines = 10

// preStartOnce runs each service's pre_start hooks at most once in a run,
// as Compose does, whatever number of its replicas start.
type preStartOnce struct {
	mu   sync.Mutex
	done map[string]*sync.Once
	errs map[string]error
}

func (o *preStartOnce) do(service string, run func() error) error {
	o.mu.Lock()
	if o.done == nil {
		o.done, o.errs = map[string]*sync.Once{}, map[string]error{}
	}
	once := o.done[service]
	if once == nil {
		once = new(sync.Once)
		o.done[service] = once
	}
	o.mu.Unlock()
	once.Do(func() {
		err := run()
		o.mu.Lock()
		o.errs[service] = err
		o.mu.Unlock()
	})
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.errs[service]
}

// preStartName is a hook container's name, Compose's:
// <project>-<service>-pre_start-<index>.
func preStartName(st *stack.Stack, svc *stack.Service, index int) string {
	return strings.Join([]string{st.Project, svc.Name, preStartHook, strconv.Itoa(index)}, "-")
}

// isHook says a container is a lifecycle hook's, not a service's.
func isHook(labels map[string]string) bool { return labels[labelComposeHook] != "" }

// runPreStart runs svc's pre_start hooks, in order, before its container
// id starts, when the plan says so (see ServicePlan.PreStart), once in
// the run. Leftovers of an earlier run go first; a hook that exits 0 is
// removed, one that fails is kept for inspection until the next up or
// down, and fails the start.
func (r *dockerRun) runPreStart(ctx context.Context, svc *stack.Service, id string) error {
	if !r.preStart[svc.Name] {
		return nil
	}
	return r.preStarted.do(svc.Name, func() error {
		if err := r.b.removePreStart(ctx, r.st, svc.Name); err != nil {
			return err
		}
		target, err := r.b.engine.ContainerInspect(ctx, id)
		if err != nil {
			return err
		}
		for i := range svc.PreStart {
			if err := r.b.runHook(ctx, r.st, svc, i, target); err != nil {
				return err
			}
		}
		return nil
	})
}

// runHook creates, runs and waits for the index-th pre_start hook of svc,
// whose container is target, its output on the progress line by line as
// it comes.
func (b *Backend) runHook(ctx context.Context, st *stack.Stack, svc *stack.Service, index int, target engine.Container) error {
	name := preStartName(st, svc, index)
	where := fmt.Sprintf("services.%s.pre_start[%d]", svc.Name, index)
	hookID, err := b.engine.ContainerCreate(ctx, preStartSpec(st, svc, index, name, target))
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	b.report("container "+name, "running pre_start", strings.Join(svc.PreStart[index].Command, " "))
	if err := b.engine.ContainerStart(ctx, hookID); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	// The log stream opens once the hook runs (the engine follows no
	// container before its start) and from its first line, so a hook that
	// exits at once loses none; it ends when the hook's container stops.
	logsCtx, stopLogs := context.WithCancel(ctx)
	defer stopLogs()
	tail := b.followHook(logsCtx, hookID, name)
	code, err := b.engine.ContainerWait(ctx, hookID)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	var lines []string
	select {
	case lines = <-tail:
	case <-time.After(preStartLogGrace):
		stopLogs() // an engine that holds the stream open past the exit
		lines = <-tail
	}
	if code != 0 {
		return fmt.Errorf("%s: service %s's hook exited with code %d (container %s kept for inspection): %s",
			where, svc.Name, code, name, strings.Join(lines, "\n"))
	}
	b.report("container "+name, "pre_start done", "")
	return b.engine.ContainerRemove(ctx, hookID)
}

// preStartLogGrace is how long a hook's log stream may go on once the hook
// has exited.
const preStartLogGrace = 5 * time.Second

// followHook reports each line the hook's container writes, until its logs
// end or ctx is done, and then sends its last lines.
func (b *Backend) followHook(ctx context.Context, id, name string) <-chan []string {
	r, w := io.Pipe()
	go func() {
		_ = w.CloseWithError(b.engine.ContainerLogs(ctx, id, engine.LogsOptions{Follow: true, Tail: -1}, w, w))
	}()
	tail := make(chan []string, 1)
	go func() {
		var last []string
		lines := bufio.NewScanner(r)
		for lines.Scan() {
			b.report("container "+name, "pre_start", lines.Text())
			last = append(last, lines.Text())
			if len(last) > preStartTailLines {
				last = last[1:]
			}
		}
		_, _ = io.Copy(io.Discard, r) // a line past the scanner's limit
		tail <- last
	}()
	return tail
}

// preStartSpec is the index-th pre_start hook's container, as Compose
// makes it: the service's container settings with the hook's own, its
// image the service container's unless it names one, its mounts the
// service container's (volumes_from, so a hook writes where the service
// reads), on the service's networks, published nowhere, labelled as
// Compose labels a hook (project, service, hook and its index) and as the
// project's.
func preStartSpec(st *stack.Stack, svc *stack.Service, index int, name string, target engine.Container) engine.ContainerSpec {
	hook := svc.PreStart[index]
	spec := containerSpec(st, svc, name, 0, "", target.ImageID)
	spec.Image = cmp.Or(hook.Image, target.ImageID)
	spec.Cmd, spec.Entrypoint = hook.Command, hook.Entrypoint
	spec.User, spec.WorkingDir = hook.User, hook.WorkingDir
	spec.Env = hook.Environment
	spec.Ports, spec.Healthcheck, spec.Restart = nil, nil, stack.RestartPolicy{}
	spec.Mounts, spec.VolumesFrom = nil, []string{target.ID}
	labels := maps.Clone(svc.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, st.ProjectLabels())
	maps.Copy(labels, st.ComposeProjectLabels())
	labels[stack.LabelComposeService] = svc.Name
	labels[labelComposeHook] = preStartHook
	labels[labelComposeHookIndex] = strconv.Itoa(index)
	spec.Labels = labels
	return spec
}

// removePreStart removes the project's pre_start hook containers (of
// service only, unless it is ""): a failed hook's, kept for inspection,
// or one a cancelled run left.
func (b *Backend) removePreStart(ctx context.Context, st *stack.Stack, service string) error {
	labels := map[string]string{stack.LabelComposeProject: st.Project, labelComposeHook: preStartHook}
	if service != "" {
		labels[stack.LabelComposeService] = service
	}
	hooks, err := b.engine.ContainerList(ctx, labels)
	if err != nil {
		return err
	}
	for _, c := range hooks {
		if err := b.engine.ContainerRemove(ctx, c.ID); err != nil {
			return err
		}
	}
	return nil
}
