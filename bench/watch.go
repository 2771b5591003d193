package bench

import (
	"bufio"
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// stackctlWatching is stackctl's progress event saying the watch began.
func stackctlWatching(line string) bool {
	e, ok := progressLine(line)
	return ok && e.Status == "watching"
}

// stackctlWatchDone is stackctl's one line per change: what it did to the
// service ("rebuilt", "synced, restarted") and how long it took.
func stackctlWatchDone(line string) bool {
	e, ok := progressLine(line)
	return ok && strings.HasPrefix(e.Resource, "service ") && e.Level != "error" &&
		(strings.Contains(e.Status, "rebuilt") || strings.Contains(e.Status, "restarted"))
}

// stackctlWatchFailed is stackctl's line saying a change failed.
func stackctlWatchFailed(line string) bool {
	e, ok := progressLine(line)
	return ok && e.Status == "watch failed"
}

func progressLine(line string) (progressEvent, bool) {
	var e progressEvent
	if json.Unmarshal([]byte(line), &e) != nil || e.Time.IsZero() {
		return e, false
	}
	return e, true
}

// composeWatching is Compose's line saying the watch began.
func composeWatching(line string) bool { return strings.Contains(line, "Watch enabled") }

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
	tally := newWatchTally("edit=" + marker)
	dialer := &soakDialer{}
	client := newSoakClient(dialer)
	loopCtx, stopLoop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		watchLoop(loopCtx, client, dialer, t.URL(), tally)
	}()
	defer func() { stopLoop(); <-stopped }()
	// The client runs and the old version answers before the write.
	if err := poll(ctx, webGap, func(context.Context) (bool, error) { return tally.answered(), nil }); err != nil {
		return fmt.Errorf("the client had no answer before the change: %w", err)
	}
	wrote := time.Now()
	tally.write(wrote)
	if err := os.WriteFile(filepath.Join(t.dir, t.kind.file), edited, 0o644); err != nil {
		return fmt.Errorf("change %s: %w", t.kind.file, err)
	}
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
	stopLoop()
	<-stopped
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

// watchProc is a tool's watch running, its output read line by line.
type watchProc struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	mu     sync.Mutex
	lines  []string
	// events are what it said once it watched: stackctl's progress
	// events, or Compose's lines timed as they were read.
	events []progressEvent
	done   bool
	fail   string
	exit   chan struct{}
}

// watchEventsKept bounds the events a watch's timeline keeps.
const watchEventsKept = 500

// watchTailLines is how many of the watch's last lines an error quotes.
const watchTailLines = 30

// startWatch runs t's watch and returns once it says it watches.
func startWatch(ctx context.Context, t *watchTool) (*watchProc, error) {
	pctx, cancel := context.WithCancel(ctx)
	argv := append(append([]string{}, t.argv...), t.watch...)
	cmd := exec.CommandContext(pctx, argv[0], argv[1:]...)
	cmd.Env = append(t.inheritedEnv(), t.env...)
	// Interrupted as a user interrupts it: it leaves the stack running.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 20 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start %s: %w", strings.Join(argv, " "), err)
	}
	p := &watchProc{cmd: cmd, cancel: cancel, exit: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(p.exit)
		p.read(out, t, ready)
		_ = cmd.Wait()
	}()
	select {
	case <-ready:
		return p, nil
	case <-p.exit:
		return nil, fmt.Errorf("%s exited before it watched:\n%s", strings.Join(t.watch, " "), p.tail())
	case <-time.After(watchReadyTimeout):
		p.stop()
		return nil, fmt.Errorf("%s did not say it watched within %s:\n%s", strings.Join(t.watch, " "), watchReadyTimeout, p.tail())
	case <-ctx.Done():
		p.stop()
		return nil, ctx.Err()
	}
}

func (p *watchProc) read(out io.Reader, t *watchTool, ready chan struct{}) {
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	watching := false
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.lines = append(p.lines, line)
		if len(p.lines) > watchTailLines {
			p.lines = p.lines[len(p.lines)-watchTailLines:]
		}
		if watching && len(p.events) < watchEventsKept && strings.TrimSpace(line) != "" {
			e, ok := progressLine(line)
			if !ok {
				e = progressEvent{Time: time.Now(), Resource: "output", Status: oneLine(line, 160)}
			}
			p.events = append(p.events, e)
		}
		if watching && t.done != nil && t.done(line) {
			p.done = true
		}
		if watching && stackctlWatchFailed(line) {
			p.fail = line
		}
		p.mu.Unlock()
		if !watching && t.ready(line) {
			watching = true
			close(ready)
		}
	}
	_, _ = io.Copy(io.Discard, out)
}

// timeline is what the watch said from the write on, timed from the
// write, with the moment the change first answered.
func (p *watchProc) timeline(wrote, changed time.Time) []TimedEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	var after []progressEvent
	for _, e := range p.events {
		if !e.Time.Before(wrote) {
			after = append(after, e)
		}
	}
	out := timeline(wrote, after)
	if !changed.IsZero() {
		out = append(out, TimedEvent{After: changed.Sub(wrote).Seconds(), Resource: "client", Status: "the change answered"})
	}
	slices.SortStableFunc(out, func(a, b TimedEvent) int { return cmp.Compare(a.After, b.After) })
	return out
}

func (p *watchProc) isDone() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

func (p *watchProc) failed() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fail
}

func (p *watchProc) exited() bool {
	select {
	case <-p.exit:
		return true
	default:
		return false
	}
}

func (p *watchProc) tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// stop interrupts the watch and waits for it to end.
func (p *watchProc) stop() {
	p.cancel()
	<-p.exit
}

// watchLoop sends GET url one request per webGap until ctx ends, each
// counted into tally. Requests do not overlap.
func watchLoop(ctx context.Context, client *http.Client, dialer *soakDialer, url string, tally *watchTally) {
	tick := time.NewTicker(webGap)
	defer tick.Stop()
	for {
		ok, body, failure := watchGet(ctx, client, url)
		if ctx.Err() != nil {
			return // stopped mid-request: not the stack's failure
		}
		tally.observe(time.Now(), ok, body, failure, len(dialer.take()))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// watchGet sends one GET url: whether it answered 200, the start of the
// body, and what went wrong otherwise.
func watchGet(ctx context.Context, client *http.Client, url string) (bool, string, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, "", err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, "", err.Error()
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, string(body), fmt.Sprintf("HTTP %s: %s", resp.Status, oneLine(string(body), 120))
	}
	if readErr != nil {
		return false, string(body), "HTTP 200, reading the body: " + readErr.Error()
	}
	return true, string(body), ""
}

// watchTally counts one change's requests: those that ended after the
// file was written, and the first answer holding the change. It is safe
// for the client loop and the runner to use at once.
type watchTally struct {
	mu   sync.Mutex
	want string
	// wrote is when the change was written; zero until then, and requests
	// that end before it only say the client runs.
	wrote       time.Time
	anyOK       bool
	changedAt   time.Time
	requests    int
	failed      int
	dialRetries int
	gaps        successGaps
	failures    []string
}

// watchFailuresKept bounds the failures a tally names.
const watchFailuresKept = 5

func newWatchTally(want string) *watchTally { return &watchTally{want: want} }

// write marks the moment the change is written.
func (t *watchTally) write(at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.wrote = at
	t.gaps = newSuccessGaps(at)
}

// observe counts one request that ended at at.
func (t *watchTally) observe(at time.Time, ok bool, body, failure string, retries int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.wrote.IsZero() || at.Before(t.wrote) {
		t.anyOK = t.anyOK || ok
		return
	}
	t.requests++
	t.dialRetries += retries
	if !ok {
		t.failed++
		if len(t.failures) < watchFailuresKept {
			t.failures = append(t.failures, fmt.Sprintf("+%.3fs %s", at.Sub(t.wrote).Seconds(), failure))
		}
		return
	}
	t.gaps.ok(at)
	if t.changedAt.IsZero() && strings.Contains(body, t.want) {
		t.changedAt = at
	}
}

// answered says a request before the write was answered 200.
func (t *watchTally) answered() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.anyOK
}

// changed is when the change first answered, zero until it has.
func (t *watchTally) changed() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changedAt
}

// watchResult is what one change's client saw.
type watchResult struct {
	// Serving is from the write to the first answer with the change.
	Serving          time.Duration
	Requests, Failed int
	DialRetries      int
	LongestGap       time.Duration
	Failures         []string
}

func (t *watchTally) result() watchResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	res := watchResult{Requests: t.requests, Failed: t.failed, DialRetries: t.dialRetries,
		LongestGap: t.gaps.Longest, Failures: append([]string(nil), t.failures...)}
	if !t.changedAt.IsZero() {
		res.Serving = t.changedAt.Sub(t.wrote)
	}
	return res
}

// watchChecks judges the floors: stackctl's watch at most half of
// Compose's time on each app, and no failed request in any of stackctl's
// rebuilds behind the edge.
func (r *Report) watchChecks() []Check {
	var checks []Check
	for _, k := range []struct{ metric, name string }{
		{metricWatchGoServing, "watch, Go app (rebuild): stackctl <= 0.5x Compose"},
		{metricWatchPyServing, "watch, Python app (sync+restart): stackctl <= 0.5x Compose"},
	} {
		s, okS := r.summary(k.metric, "stackctl")
		c, okC := r.summary(k.metric, "compose")
		ok := okS && okC && c.Median > 0
		ratio := 0.0
		if ok {
			ratio = s.Median / c.Median
		}
		checks = append(checks, Check{Name: k.name, Pass: ok && ratio <= 0.5, Measured: ok,
			Detail: measured(ok, "%.3fs vs %.3fs: %.2fx", s.Median, c.Median, ratio)})
	}
	f, ok := r.summary(metricWatchGoFailed, "stackctl")
	checks = append(checks, Check{Name: "watch, Go app: 0 failed requests in every rebuild behind the edge",
		Pass: ok && f.Max == 0, Measured: ok, Detail: measured(ok, "at most %.0f in %d rebuilds", f.Max, f.N)})
	return checks
}

// printWatch writes the watch suite's table, when the run measured it.
func (r *Report) printWatch(w io.Writer) {
	if !r.measured(metricWatchGoServing) && !r.measured(metricWatchPyServing) {
		return
	}
	fmt.Fprintf(w, "\nwatch: a one-line change under each tool's watch, a client sending GET / every %s\n", webGap)
	row := func(cells ...any) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-62s  %-27s  %-27s  %-18s  %s", cells...), " "))
	}
	row("", "stackctl watch", "docker compose watch", "stackctl/compose", "target")
	for _, m := range watchRows {
		if r.measured(m.metric) {
			row(m.title, r.cell(m.metric, "stackctl", m.unit), r.cell(m.metric, "compose", m.unit), r.ratioCell(m.metric), m.target)
		}
	}
}

// The watch suite's charts.
const (
	chartWatch       = "watch-serving.png"
	chartWatchFailed = "watch-failed-requests.png"
)

// watchCharts are the watch suite's bar charts: the times, and the failed
// requests when any failed.
func (r *Report) watchCharts() []scenarioChart {
	var times, failed []string
	anyFailed := false
	for _, m := range watchRows {
		if !r.measured(m.metric) {
			continue
		}
		if m.unit == unitRequests {
			failed = append(failed, m.metric)
			for _, tool := range []string{"stackctl", "compose"} {
				if s, ok := r.summary(m.metric, tool); ok && s.Max > 0 {
					anyFailed = true
				}
			}
			continue
		}
		times = append(times, m.metric)
	}
	var charts []scenarioChart
	if len(times) > 0 {
		charts = append(charts, scenarioChart{file: chartWatch, unit: "seconds", metrics: times,
			title: "under watch: a one-line change until the change answers"})
	}
	if anyFailed {
		charts = append(charts, scenarioChart{file: chartWatchFailed, unit: "requests", metrics: failed,
			title: "under watch: requests that failed during a change"})
	}
	return charts
}

// watchStepStatuses are the progress events of stackctl's that mark a step
// of a change: the rest (each build step's line) is detail.
var watchStepStatuses = []string{"built", "creating", "started", "healthy", "upstream", "stopping", "stopped", "removed",
	"rebuilt", "synced, restarted", "restarted", "the change answered"}

// composeStep matches Compose's lines that mark a step of a change.
var composeStep = regexp.MustCompile(`after (\d+ )?changes were detected|Image \S+ Built|Container \S+-web-1 (Recreated|Started|Restarting)|restarted$`)

// watchSteps are a watch timeline's steps: the first build line and those
// that mark a step.
func watchSteps(tl []TimedEvent) []TimedEvent {
	var out []TimedEvent
	building := false
	for _, e := range tl {
		switch {
		case e.Status == "building" && !building:
			building = true
			out = append(out, e)
		case e.Resource == "output" && composeStep.MatchString(e.Status):
			out = append(out, e)
		case e.Resource != "output" && slices.Contains(watchStepStatuses, e.Status):
			out = append(out, e)
		}
	}
	return out
}

// watchStepLabel names a step shortly: stackctl's resource and status,
// Compose's line.
func watchStepLabel(e TimedEvent) string {
	if e.Resource == "output" {
		return e.Status
	}
	return strings.TrimSpace(e.Resource + " " + e.Status)
}

// watchSection is the watch suite's section of the page.
func (p *docsPage) watchSection(s DocsSource) {
	r := s.Report
	p.section("Edit -> serving under watch: stackctl watch and docker compose watch", s, []string{"stackctl", "compose"}, toolLegend)
	p.line("Each tool's `watch --no-up` follows the same compose files on the same engine, each tool in its own project with its own " +
		"copy of the source. A client sends `GET /` every 10 ms on fresh connections; one line of the source is written, and the " +
		"time runs from the write until an answer holds the changed line. Failed requests are those that ended after the write, " +
		"until 3 s after the change first answered (for stackctl, after it said the change was done). " +
		"The Go app is the built-in stack with `develop.watch` (`rebuild` on web's copy of `app/`) laid over it; stackctl runs web " +
		"behind its edge (`up --edge` before the watch), where a rebuild replaces it start-first, and Compose recreates it. " +
		"The Python app (`bench/watch/python`) is a standard-library HTTP server whose source is synced into the container, " +
		"which is then restarted (`sync+restart`), by both tools alike.")
	p.line()
	rows := [][]string{{"", toolLegend["stackctl"] + " watch", toolLegend["compose"] + " watch", "stackctl / Compose", "target"}}
	for _, m := range watchRows {
		if r.measured(m.metric) {
			rows = append(rows, []string{m.title, r.summaryCell(m.metric, "stackctl", m.unit),
				r.summaryCell(m.metric, "compose", m.unit), r.ratioCell(m.metric), m.target})
		}
	}
	p.table(rows)
	p.heading(3, "Where the time goes")
	p.line("Both tools build `app/Dockerfile` with the engine's BuildKit and the same cache mounts, and both restart the Python " +
		"app's container through the engine: the steps show how much of each change is that shared work. " +
		"They are each tool's median run, in seconds from the write: stackctl's progress events, Compose's lines as read, " +
		"and the client's first answer with the change.")
	p.line()
	var steps []string
	for _, m := range []struct{ metric, name string }{{metricWatchGoServing, "Go app"}, {metricWatchPyServing, "Python app"}} {
		for _, tool := range []string{"stackctl", "compose"} {
			s, ok := r.medianSample(m.metric, tool)
			if !ok || len(s.Timeline) == 0 {
				continue
			}
			var parts []string
			for _, e := range watchSteps(s.Timeline) {
				parts = append(parts, fmt.Sprintf("+%.2f %s", e.After, watchStepLabel(e)))
			}
			steps = append(steps, fmt.Sprintf("%s, %s (round %d, %.2f s): %s", toolLegend[tool], m.name, s.Round, s.Value, strings.Join(parts, "; ")))
		}
	}
	p.list(steps)
	p.heading(3, "Targets")
	p.checksTable(r.watchChecks())
	p.errorsList(r)
	p.charts(r.watchCharts())
}
