package bench

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The watch suite: edit -> serving under each tool's watch, stackctl's
// `watch` beside `docker compose watch`, on the same files and engine. Two
// stacks, each run by both tools in a project of its own with its own port
// and copy of the source:
//
//   - the built-in stack with watch/go-override.yaml laid over it: web's
//     develop.watch rebuilds its image on any change of its copy of app/.
//     stackctl runs web behind its edge (`up --edge`), where a rebuild
//     replaces it start-first; Compose recreates it as Compose does.
//   - watch/python: a small Python HTTP server whose source is synced
//     into the running container, which is then restarted (sync+restart).
//
// Each round starts the tool's `watch --no-up` on the running stack, waits
// until it says it watches, starts a client (GET / every webGap on fresh
// connections, as the soak's), writes a one-line change and times from the
// write to the first answer holding the change. Requests that ended after
// the write count, until watchSettle after that answer (and, for stackctl,
// after it said the change was done): a replacement that drops requests
// after the new version first answered is caught too.

// SuiteWatch is the watch suite.
const SuiteWatch = "watch"

const (
	metricWatchGoServing = "watch-go-serving"
	metricWatchGoFailed  = "watch-go-failed"
	metricWatchGoGap     = "watch-go-gap"
	metricWatchPyServing = "watch-py-serving"
	metricWatchPyFailed  = "watch-py-failed"
	metricWatchPyGap     = "watch-py-gap"
)

// watchRows are the watch suite's rows.
var watchRows = []metricRow{
	{metricWatchGoServing, "Go app, rebuild: file written -> the change answers", unitSeconds, "<= 0.5x"},
	{metricWatchGoFailed, "   failed requests", unitRequests, "0 (stackctl, behind the edge)"},
	{metricWatchGoGap, "   longest gap between two answers", unitSeconds, ""},
	{metricWatchPyServing, "Python app, sync+restart: file written -> the change answers", unitSeconds, "<= 0.5x"},
	{metricWatchPyFailed, "   failed requests", unitRequests, ""},
	{metricWatchPyGap, "   longest gap between two answers", unitSeconds, ""},
}

// watchSettle is how long the client goes on after the change first
// answered (and stackctl said it was done): the old container's removal
// comes after that.
const watchSettle = 3 * time.Second

// watchPythonImage is the Python stack's base image.
const watchPythonImage = "python:3.11-slim"

// watchReadyTimeout bounds the wait for a tool's watch to say it watches.
const watchReadyTimeout = 2 * time.Minute

// watchKind is one of the suite's two stacks: what changes and where its
// samples go.
type watchKind struct {
	name                 string
	serving, failed, gap string
	// file is the changed file, relative to the tool's copy of the
	// source; line is the line changed, anchor the words in it the marker
	// is put after.
	file, line, anchor string
}

var (
	watchGo = &watchKind{name: "go", serving: metricWatchGoServing, failed: metricWatchGoFailed, gap: metricWatchGoGap,
		file: editFile, line: editLine, anchor: editAnchor}
	watchPy = &watchKind{name: "python", serving: metricWatchPyServing, failed: metricWatchPyFailed, gap: metricWatchPyGap,
		file: "app/greeting.py", line: `GREETING = "Hello from the Python app"`, anchor: "Python app"}
)

// The suite's files: the override that gives the built-in stack's web a
// develop.watch, and the Python stack, copied for each tool.
//
//go:embed watch/go-override.yaml
var watchGoOverride []byte

//go:embed watch/python
var watchPython embed.FS

// markedSource is source with kind's line carrying " edit=marker" after
// its anchor: one line changed.
func (k *watchKind) markedSource(source []byte, marker string) ([]byte, error) {
	return markLine(source, k.file, k.line, k.anchor, marker)
}

// watchTool is one tool on one of the suite's stacks.
type watchTool struct {
	*Tool
	kind *watchKind
	// dir is the tool's copy of the source, which kind.file is in;
	// source is that file as copied.
	dir    string
	source []byte
	// up brings the stack up before the rounds; watch is the command run
	// each round.
	up, watch []string
	// ready says a line of the watch's output means it watches; done,
	// when set, that it has finished acting on a change (nil: the tool
	// does not say).
	ready, done func(line string) bool
	// edge, when set, is web's edge container, which must still run after
	// a rebuild.
	edge string
}

// setUpWatch makes the four stacks: each tool on each of the two stacks.
func (r *Runner) setUpWatch(ctx context.Context, workspace string) error {
	if err := composeBuilds(ctx); err != nil {
		return err
	}
	override := filepath.Join(workspace, "watch-go-override.yaml")
	if err := os.WriteFile(override, watchGoOverride, 0o644); err != nil {
		return fmt.Errorf("the watch suite: %w", err)
	}
	for _, name := range []string{"s", "c"} {
		project := r.cfg.WatchProject + "-go-" + name
		s, err := r.builtinSetup(workspace, project)
		if err != nil {
			return err
		}
		t, err := r.watchTool(ctx, name, s, []string{r.cfg.ComposeFile, override})
		if err != nil {
			return err
		}
		t.kind, t.dir = watchGo, s.AppDir
		if t.Name == "stackctl" {
			t.up = append(t.upArgs(false), "--edge")
			t.edge = t.Project + "-web" + edgeSuffix + "-1"
		}
		if t.source, err = os.ReadFile(filepath.Join(t.dir, t.kind.file)); err != nil {
			return fmt.Errorf("the watch suite: %w", err)
		}
		r.watch = append(r.watch, t)
	}
	for _, name := range []string{"s", "c"} {
		project := r.cfg.WatchProject + "-py-" + name
		dir := filepath.Join(workspace, project)
		if err := copyPythonStack(dir); err != nil {
			return fmt.Errorf("the watch suite: copy the Python stack: %w", err)
		}
		port, err := r.freePort()
		if err != nil {
			return err
		}
		s := StackSetup{ComposeFile: filepath.Join(dir, "compose.yaml"), Project: project, Port: port,
			Env: map[string]string{"PY_PORT": strconv.Itoa(port)}}
		t, err := r.watchTool(ctx, name, s, []string{s.ComposeFile})
		if err != nil {
			return err
		}
		t.kind, t.dir = watchPy, dir
		if t.source, err = os.ReadFile(filepath.Join(t.dir, t.kind.file)); err != nil {
			return fmt.Errorf("the watch suite: %w", err)
		}
		r.watch = append(r.watch, t)
	}
	for _, t := range r.watch {
		if _, err := t.kind.markedSource(t.source, "check"); err != nil {
			return err
		}
		info := r.report.Tools[t.Name]
		info.Version = t.Version
		r.report.Tools[t.Name] = info
		r.logf("watch: %-8s %s app, project %s, on 127.0.0.1:%d, up: %s, then each round: %s",
			t.Name, t.kind.name, t.Project, t.Port, strings.Join(t.up, " "), strings.Join(t.watch, " "))
	}
	return nil
}

// watchTool is stackctl ("s") or Compose ("c") on setup's files.
func (r *Runner) watchTool(ctx context.Context, which string, s StackSetup, files []string) (*watchTool, error) {
	var (
		t   *Tool
		err error
	)
	if which == "s" {
		t, err = NewStackctl(ctx, r.cfg.StackctlBin, s)
	} else {
		t, err = NewCompose(ctx, r.cfg.StackctlBin, s)
	}
	if err != nil {
		return nil, fmt.Errorf("the watch suite: %w", err)
	}
	for _, f := range files[1:] {
		t.argv = append(t.argv, "-f", f)
	}
	if t.Names, err = namesFor(ctx, r.cfg.StackctlBin, files, s.Project, s.Env); err != nil {
		return nil, err
	}
	w := &watchTool{Tool: t, watch: []string{"watch", "--no-up"}}
	if which == "s" {
		w.up, w.ready, w.done = t.upArgs(false), stackctlWatching, stackctlWatchDone
	} else {
		w.up, w.ready = append(t.upArgs(true), t.waitArgs...), composeWatching
	}
	return w, nil
}

// copyPythonStack copies the Python stack's files into dir, which must
// not exist yet.
func copyPythonStack(dir string) error {
	files, err := fs.Sub(watchPython, "watch/python")
	if err != nil {
		return err
	}
	return os.CopyFS(dir, files)
}

func (r *Runner) watchTools() []*Tool {
	var out []*Tool
	for _, t := range r.watch {
		out = append(out, t.Tool)
	}
	return out
}

// watchResources are the suite's names beyond the tools' own: web's edge.
func (r *Runner) watchResources() []resource {
	var out []resource
	for _, t := range r.watch {
		if t.edge != "" {
			out = append(out, resource{"container", t.edge, t.OwnerLabel, t.Project})
		}
	}
	return out
}

// prepareWatch brings each stack up from nothing, building its image
// (untimed), and checks that it serves.
func (r *Runner) prepareWatch(ctx context.Context) error {
	for _, t := range r.watch {
		r.logf("preparing the watch suite's %s on the %s app: down -v, %s", t.Name, t.kind.name, strings.Join(t.up, " "))
		if err := r.upFromNothing(ctx, t.Tool, t.up); err != nil {
			return fmt.Errorf("the watch suite's first up of %s (%s app): %w", t.Name, t.kind.name, err)
		}
		waitCtx, cancelWait := context.WithTimeout(ctx, servingAgainMax)
		_, err := waitWeb(waitCtx, r.probe, t.URL())
		cancelWait()
		if err != nil {
			return fmt.Errorf("the watch suite's %s stack of %s: %w", t.kind.name, t.Name, err)
		}
	}
	return nil
}

// watchRound changes each stack once per tool, the tools taking turns.
func (r *Runner) watchRound(ctx context.Context, round int) {
	for _, kind := range []*watchKind{watchGo, watchPy} {
		var tools []*watchTool
		for _, t := range r.watch {
			if t.kind == kind {
				tools = append(tools, t)
			}
		}
		for _, t := range inTurn(tools, round) {
			if ctx.Err() != nil {
				return
			}
			if err := r.watchCycle(ctx, round, t); err != nil && ctx.Err() == nil {
				r.fail(round, t.Name, fmt.Errorf("watch, %s app: %w", t.kind.name, err))
			}
		}
		for _, t := range tools {
			if t.Name != "stackctl" || ctx.Err() != nil {
				continue
			}
			if err := r.watchEngineCycle(ctx, round, t); err != nil && ctx.Err() == nil {
				r.fail(round, engineAloneTool, fmt.Errorf("watch, %s app, the engine alone: %w", t.kind.name, err))
			}
		}
	}
}

func (r *Runner) watchCycle(ctx context.Context, round int, t *watchTool) error {
	ctx, cancel := context.WithTimeout(ctx, editTimeout)
	defer cancel()
	if !getOK(ctx, r.web, t.URL()) {
		return fmt.Errorf("%s does not answer 200 before the change", t.URL())
	}
	proc, err := startWatch(ctx, t)
	if err != nil {
		return err
	}
	defer proc.stop()
	marker := fmt.Sprintf("%s-%d-%d", t.Name, round, time.Now().UnixNano())
	edited, err := t.kind.markedSource(t.source, marker)
	if err != nil {
		return err
	}
	tally, stopClient, wrote, err := t.writeUnderClient(ctx, edited, marker)
	if err != nil {
		return err
	}
	defer stopClient()
	// Until the change answers, then until the tool said it is done, and
	// watchSettle more.
	err = poll(ctx, webGap, func(context.Context) (bool, error) {
		if proc.failed() != "" {
			return false, fmt.Errorf("%s says the change failed: %s", t.Name, proc.failed())
		}
		if proc.exited() {
			return false, fmt.Errorf("%s exited before the change answered:\n%s", strings.Join(t.watch, " "), proc.tail())
		}
		changed := tally.changed()
		return !changed.IsZero() && (t.done == nil || proc.isDone()) && time.Since(changed) >= watchSettle, nil
	})
	if err != nil {
		return fmt.Errorf("wait for %s to answer with the change: %w\n%s", t.URL(), err, proc.tail())
	}
	if t.done != nil {
		if err := sleepCtx(ctx, watchSettle); err != nil {
			return err
		}
	}
	stopClient()
	res := tally.result()
	if t.edge != "" {
		c, err := r.eng.ContainerInspect(ctx, t.edge)
		if err != nil || !isRunning(c) {
			return fmt.Errorf("web's edge %s does not run after the rebuild (%v): the rebuild took web from behind it", t.edge, err)
		}
	}
	note := fmt.Sprintf("%d requests, %d connection attempts retried", res.Requests, res.DialRetries)
	if len(res.Failures) > 0 {
		note += "; failed: " + strings.Join(res.Failures, "; ")
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: t.kind.serving, Value: res.Serving.Seconds(), Unit: unitSeconds, Note: note,
		Timeline: proc.timeline(wrote, tally.changed())})
	r.record(Sample{Round: round, Tool: t.Name, Metric: t.kind.failed, Value: float64(res.Failed), Unit: unitRequests})
	r.record(Sample{Round: round, Tool: t.Name, Metric: t.kind.gap, Value: res.LongestGap.Seconds(), Unit: unitSeconds})
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// writeUnderClient starts the suite's client on t's stack, tallying the
// answers that hold "edit=" + marker, and once the old version answered
// writes edited as t's changed file; stop ends the client, and may be
// called more than once.
func (t *watchTool) writeUnderClient(ctx context.Context, edited []byte, marker string) (tally *watchTally, stop func(), wrote time.Time, err error) {
	tally, stop, err = startWatchClient(ctx, t.URL(), marker)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	wrote = time.Now()
	tally.write(wrote)
	if err := os.WriteFile(filepath.Join(t.dir, t.kind.file), edited, 0o644); err != nil {
		stop()
		return nil, nil, time.Time{}, fmt.Errorf("change %s: %w", t.kind.file, err)
	}
	return tally, stop, wrote, nil
}

// startWatchClient starts the suite's client on url, tallying the answers
// that hold "edit=" + marker, and returns once the old version answered;
// stop ends it, and may be called more than once.
func startWatchClient(ctx context.Context, url, marker string) (tally *watchTally, stop func(), err error) {
	tally = newWatchTally("edit=" + marker)
	dialer := &soakDialer{}
	client := newSoakClient(dialer)
	loopCtx, stopLoop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		watchLoop(loopCtx, client, dialer, url, tally)
	}()
	stop = func() { stopLoop(); <-stopped }
	if err := poll(ctx, webGap, func(context.Context) (bool, error) { return tally.answered(), nil }); err != nil {
		stop()
		return nil, nil, fmt.Errorf("the client had no answer before the change: %w", err)
	}
	return tally, stop, nil
}
