package bench

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A tool's watch, run by the watch suite: started, read line by line
// for what it says, and interrupted as a user interrupts it.

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
