package orchestrator

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/watch"
)

// WatchOptions say what Watch follows and how.
type WatchOptions struct {
	// Services are the services whose develop.watch is followed (all the
	// stack's that have one when none).
	Services []string
	// Quiet is how long the tree must stay still before a batch of
	// changes is acted on (0: watch.QuietPeriod).
	Quiet time.Duration
	// WaitTimeout bounds the wait for a rebuilt or restarted service to
	// become ready (0: backend.DefaultWaitTimeout).
	WaitTimeout time.Duration
	// LockWait is how long each batch waits for the project's lock, which
	// it holds while it changes the stack, as every command that changes
	// it does.
	LockWait time.Duration
	// KeepReplacedImages keeps the image a rebuild replaced, which is
	// otherwise removed when the project built it and nothing uses it.
	KeepReplacedImages bool
	// Watching, when set, is called once the initial syncs are done and
	// every path is watched: a change written after it is seen.
	Watching func()
}

// Watch follows the services' develop.watch until ctx ends: each batch of
// changed files is synced into the services' running containers through
// the engine's archive API (deleted ones deleted there), restarts them,
// runs their exec hooks, or rebuilds the image and replaces the containers
// through Up, as each trigger says. A batch that fails is reported and
// the watch goes on; the stack is left running when it ends.
func (o *Orchestrator) Watch(ctx context.Context, st *stack.Stack, opts WatchOptions) error {
	if st.Source == nil {
		return fmt.Errorf("watch follows develop.watch of a compose file; the built-in stack has none")
	}
	if err := backend.CheckServices(st, opts.Services); err != nil {
		return err
	}
	if err := o.CheckWatch(st, opts.Services); err != nil {
		return err
	}
	if opts.Quiet <= 0 {
		opts.Quiet = watch.QuietPeriod
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = backend.DefaultWaitTimeout
	}
	rules, err := o.watchRules(st, opts.Services)
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		return fmt.Errorf("none of the services %s has develop.watch: nothing to watch", strings.Join(watchedNames(st, opts.Services), ", "))
	}
	o.warnUnprobedRebuilds(st, rules)
	if err := o.initialSync(ctx, st, rules, opts); err != nil {
		return err
	}
	var roots, services []string
	for _, r := range rules {
		if !slices.Contains(roots, r.Path) {
			roots = append(roots, r.Path)
		}
		if !slices.Contains(services, r.Service) {
			services = append(services, r.Service)
		}
	}
	notifier, err := watch.NewNotifier(roots)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	paths := make(chan string)
	failed := make(chan error, 1)
	go func() { failed <- notifier.Run(ctx, paths) }()
	batches := watch.Debounce(ctx, paths, opts.Quiet)
	o.report("stack "+st.Project, "watching", fmt.Sprintf("%s (%s)", strings.Join(relativeAll(st, roots), ", "), strings.Join(services, ", ")))
	if opts.Watching != nil {
		opts.Watching()
	}
	for batch := range batches {
		o.applyBatch(ctx, st, rules, batch, opts)
	}
	cancel()
	if err := <-failed; err != nil {
		return err
	}
	o.report("stack "+st.Project, "watch ended", "the stack is left running")
	return nil
}

// warnUnprobedRebuilds says, once per service, that a rebuild replaces a
// service with no healthcheck or readiness probe as Compose replaces it:
// nothing tells when a new container can serve, so requests may fail.
func (o *Orchestrator) warnUnprobedRebuilds(st *stack.Stack, rules []watch.Rule) {
	warned := map[string]bool{}
	for _, r := range rules {
		svc, ok := st.Service(r.Service)
		if r.Action != types.WatchActionRebuild || !ok || warned[r.Service] || svc.Healthcheck != nil || len(svc.Readiness) > 0 {
			continue
		}
		warned[r.Service] = true
		o.reportWarning("service "+r.Service, "rebuilds unprobed",
			"the file gives it no healthcheck or readiness probe: a rebuild replaces its containers as Compose does, and requests may fail meanwhile")
	}
}

// watchRules are the services' rules, less the sync rules whose path a
// bind mount of the service already shares with its containers: Compose
// skips them too, as syncing them would write each file onto itself.
func (o *Orchestrator) watchRules(st *stack.Stack, services []string) ([]watch.Rule, error) {
	all, err := watch.Rules(st.Source, services)
	if err != nil {
		return nil, err
	}
	var rules []watch.Rule
	for _, r := range all {
		if r.IsSync() && boundByVolume(st.Source.Services[r.Service], r.Path) {
			o.reportWarning("service "+r.Service, "not watched", fmt.Sprintf("%s is bind-mounted into the service already", relative(st, r.Path)))
			continue
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func boundByVolume(svc types.ServiceConfig, path string) bool {
	for _, v := range svc.Volumes {
		if v.Type == types.VolumeTypeBind && (path == v.Source || strings.HasPrefix(path, v.Source+string(filepath.Separator))) {
			return true
		}
	}
	return false
}

// initialSync copies, for each sync rule with initial_sync, the files
// under its path into the service's containers before the watch begins.
func (o *Orchestrator) initialSync(ctx context.Context, st *stack.Stack, rules []watch.Rule, opts WatchOptions) error {
	for _, r := range rules {
		if !r.InitialSync || !r.IsSync() {
			continue
		}
		began := time.Now()
		mappings, err := watch.InitialSync(r)
		if err != nil {
			return fmt.Errorf("service %s: %w", r.Service, err)
		}
		if len(mappings) == 0 {
			continue
		}
		if err := o.sync(ctx, st, r.Service, mappings); err != nil {
			return fmt.Errorf("service %s: initial sync: %w", r.Service, err)
		}
		o.report("service "+r.Service, "initial sync", fmt.Sprintf("%d files of %s in %s", len(mappings), relative(st, r.Path), since(began)))
	}
	return nil
}

// applyBatch carries out what one batch asks of each service, under the
// project's lock, and reports one line per service: the files, what was
// done, and how long until it was done; then it removes the image a
// rebuild replaced, which the service no longer waits on. A failure is
// reported, and the next batch is tried anew.
func (o *Orchestrator) applyBatch(ctx context.Context, st *stack.Stack, rules []watch.Rule, batch []string, opts WatchOptions) {
	changes := watch.Plan(batch, rules)
	if len(changes) == 0 {
		return
	}
	unlock, err := o.Backend.Lock(ctx, st.Project, opts.LockWait)
	if err != nil {
		if ctx.Err() == nil {
			o.reportError("stack "+st.Project, "watch", err.Error())
		}
		return
	}
	defer unlock()
	for _, c := range changes {
		var previous string
		if c.Rebuild && !opts.KeepReplacedImages {
			previous = o.imageOf(ctx, st, c.Service)
		}
		began := time.Now()
		done, err := o.applyChange(ctx, st, c, opts)
		if err != nil && ctx.Err() != nil {
			return
		}
		o.progress.Report(changeEvent(st, c, done, time.Since(began), err))
		if c.Rebuild && err == nil && !opts.KeepReplacedImages {
			o.pruneReplaced(context.WithoutCancel(ctx), st, c.Service, previous)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// changeEvent is the one line a service's change gets: the files (a few,
// then how many more), what was done, and how long until the service
// served again (a rebuild or a restart) or the files were in place (a
// sync); or, when it failed, why. It carries the same as fields for
// --progress json.
func changeEvent(st *stack.Stack, c watch.Change, done []string, took time.Duration, err error) progress.Event {
	files := relativeAll(st, c.Paths)
	change := &progress.Change{
		Service: c.Service, Action: actionOf(c), Files: files, DurationMS: took.Milliseconds(), Outcome: progress.Serving,
	}
	ev := progress.Event{Time: time.Now(), Resource: "service " + c.Service, Level: "info", Change: change}
	if err != nil {
		change.Outcome, change.Error = progress.Failed, err.Error()
		ev.Status, ev.Level = "watch failed", "error"
		ev.Detail = fmt.Sprintf("%s: %v", describeFiles(files), err)
		return ev
	}
	ev.Status = strings.Join(done, ", ")
	if c.Rebuild || c.Restart {
		ev.Detail = fmt.Sprintf("%s: serving again after %s", describeFiles(files), seconds(took))
	} else {
		ev.Detail = fmt.Sprintf("%s: in %s", describeFiles(files), seconds(took))
	}
	return ev
}

// actionOf names the actions of the rules a change's files matched, as
// develop.watch names them.
func actionOf(c watch.Change) string {
	actions := make([]string, len(c.Actions))
	for i, a := range c.Actions {
		actions[i] = string(a)
	}
	return strings.Join(actions, ",")
}

// seconds is d as a person reads it: 4.2s, or 40ms under a second.
func seconds(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// applyChange does the change in Compose's order: rebuild, sync,
// restart, exec. It returns what it did.
func (o *Orchestrator) applyChange(ctx context.Context, st *stack.Stack, c watch.Change, opts WatchOptions) ([]string, error) {
	var done []string
	if c.Rebuild {
		// The build may be cancelled, as it changes nothing that runs;
		// once the image is built, the replacement runs to its end even
		// when the watch ends meanwhile, so that Ctrl-C never leaves the
		// service half-replaced. Up finds the image as built and builds
		// nothing more.
		if err := o.Backend.Build(ctx, st, []string{c.Service}); err != nil {
			return done, fmt.Errorf("rebuild: %w", err)
		}
		if _, err := o.Up(context.WithoutCancel(ctx), st, backend.UpOptions{Services: []string{c.Service}, NoDeps: true, WaitTimeout: opts.WaitTimeout}); err != nil {
			return done, fmt.Errorf("rebuild: %w", err)
		}
		done = append(done, "rebuilt")
	}
	if len(c.Sync) > 0 {
		if err := o.sync(ctx, st, c.Service, c.Sync); err != nil {
			return done, err
		}
		done = append(done, "synced")
	}
	if c.Restart {
		if err := o.Backend.Restart(ctx, st, []string{c.Service}, 0, opts.WaitTimeout); err != nil {
			return done, fmt.Errorf("restart: %w", err)
		}
		done = append(done, "restarted")
	}
	for _, hook := range c.Execs {
		if err := o.execHook(ctx, st, c.Service, hook); err != nil {
			return done, err
		}
		done = append(done, "ran "+strings.Join(hook.Command, " "))
	}
	return done, nil
}

// imageOf is the ID of the image the service's name points at before a
// rebuild moves it ("" when there is none, or the backend cannot say).
func (o *Orchestrator) imageOf(ctx context.Context, st *stack.Stack, service string) string {
	if _, ok := o.Backend.(backend.ReplacedImagePruner); !ok {
		return ""
	}
	images, err := o.Images(ctx, st)
	if err != nil {
		return ""
	}
	for _, img := range images {
		if img.Service == service {
			return img.ID
		}
	}
	return ""
}

// pruneReplaced removes the image a rebuild replaced, where the backend
// can and the image is the project's own build, dangling and unused. The
// rebuild succeeded whatever this does: a failure is only a warning.
func (o *Orchestrator) pruneReplaced(ctx context.Context, st *stack.Stack, service, previous string) {
	pruner, ok := o.Backend.(backend.ReplacedImagePruner)
	if !ok || previous == "" {
		return
	}
	removed, err := pruner.PruneReplacedImage(ctx, st, previous)
	switch {
	case err != nil:
		o.reportWarning("service "+service, "image kept", fmt.Sprintf("the replaced image %s: %v", previous, err))
	case removed:
		o.report("service "+service, "image pruned", "the replaced image "+previous)
	}
}

// sync deletes in every running replica the paths gone from the host
// (`rm -rf`, as Compose does) and unpacks the others there through the
// engine's archive API, so a remote engine is synced as a local one.
func (o *Orchestrator) sync(ctx context.Context, st *stack.Stack, service string, mappings []watch.Mapping) error {
	archive, deleted, err := watch.Archive(mappings)
	if err != nil {
		return err
	}
	replicas, err := o.runningReplicas(ctx, st, service)
	if err != nil {
		return err
	}
	for _, replica := range replicas {
		if len(deleted) > 0 {
			rm := append([]string{"rm", "-rf"}, deleted...)
			if err := o.execIn(ctx, st, backend.ExecOptions{Service: service, Index: replica, Cmd: rm}); err != nil {
				return fmt.Errorf("delete %s: %w", strings.Join(deleted, " "), err)
			}
		}
		if len(deleted) == len(mappings) {
			continue
		}
		err := o.Backend.Copy(ctx, st, backend.CopyOptions{
			Service: service, Index: replica, ToInstance: true, Local: "-", Path: "/", Stdin: bytes.NewReader(archive),
		})
		if err != nil {
			return fmt.Errorf("sync: %w", err)
		}
	}
	return nil
}

// execHook runs a sync+exec hook in every running replica.
func (o *Orchestrator) execHook(ctx context.Context, st *stack.Stack, service string, hook types.ServiceHook) error {
	replicas, err := o.runningReplicas(ctx, st, service)
	if err != nil {
		return err
	}
	var env []string
	for k, v := range hook.Environment {
		if v != nil {
			env = append(env, k+"="+*v)
		}
	}
	slices.Sort(env)
	for _, replica := range replicas {
		err := o.execIn(ctx, st, backend.ExecOptions{
			Service: service, Index: replica, Cmd: hook.Command, User: hook.User, WorkingDir: hook.WorkingDir, Env: env,
		})
		if err != nil {
			return fmt.Errorf("exec %s: %w", strings.Join(hook.Command, " "), err)
		}
	}
	return nil
}

// execIn runs a command to its end; a nonzero exit is an error that
// carries the command's last output.
func (o *Orchestrator) execIn(ctx context.Context, st *stack.Stack, opts backend.ExecOptions) error {
	var out bytes.Buffer
	opts.Stdio.Out, opts.Stdio.Err = &out, &out
	code, err := o.Backend.Exec(ctx, st, opts)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("exit code %d in replica %d: %s", code, opts.Index, lastLine(out.String()))
	}
	return nil
}

// runningReplicas are the replica numbers of the service's running
// containers; none is an error, as there is nothing to act in.
func (o *Orchestrator) runningReplicas(ctx context.Context, st *stack.Stack, service string) ([]int, error) {
	all, err := o.PS(ctx, st)
	if err != nil {
		return nil, err
	}
	var replicas []int
	for _, c := range all {
		if c.Service == service && !c.OneOff && c.State == "running" {
			replicas = append(replicas, c.Replica)
		}
	}
	if len(replicas) == 0 {
		return nil, fmt.Errorf("service %s has no running container: %w; start it with `stackctl up`", service, backend.ErrNotRunning)
	}
	return replicas, nil
}

// watchedNames are the services named, or all the stack's.
func watchedNames(st *stack.Stack, services []string) []string {
	if len(services) > 0 {
		return services
	}
	return st.Source.ServiceNames()
}

// describeFiles names up to three files and how many more changed.
func describeFiles(names []string) string {
	if len(names) > 3 {
		return fmt.Sprintf("%s +%d more", strings.Join(names[:3], ", "), len(names)-3)
	}
	return strings.Join(names, ", ")
}

func relativeAll(st *stack.Stack, paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = relative(st, p)
	}
	return names
}

// relative is p relative to the project's directory when it lies in it.
func relative(st *stack.Stack, p string) string {
	rel, err := filepath.Rel(st.Source.WorkingDir, p)
	if err != nil || strings.HasPrefix(rel, "..") {
		return p
	}
	return rel
}

func since(t time.Time) string { return time.Since(t).Round(time.Millisecond).String() }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
