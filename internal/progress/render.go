package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Mode is how events are shown.
type Mode string

// The modes of --progress.
const (
	Auto  Mode = "auto"
	TTY   Mode = "tty"
	Plain Mode = "plain"
	JSON  Mode = "json"
)

// ParseMode checks a --progress value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Auto, TTY, Plain, JSON:
		return m, nil
	}
	return "", fmt.Errorf("unknown progress mode %q (want auto, tty, plain or json)", s)
}

// NewRenderer returns a Reporter writing to w in mode; Auto picks TTY when
// w is a terminal and Plain otherwise.
func NewRenderer(w io.Writer, mode Mode, isTerminal bool) Reporter {
	switch {
	case mode == JSON:
		return &jsonRenderer{enc: json.NewEncoder(w)}
	case mode == TTY, mode == Auto && isTerminal:
		return &ttyRenderer{w: w, start: time.Now(), index: map[string]int{}}
	default:
		return &plainRenderer{w: w, start: time.Now()}
	}
}

type jsonRenderer struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (r *jsonRenderer) Report(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.enc.Encode(e)
}

type plainRenderer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (r *plainRenderer) Report(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := fmt.Sprintf("%7s  %-28s %s", elapsed(r.start, e.Time), e.Resource, e.Status)
	if e.Detail != "" {
		line += "  " + firstLine(e.Detail)
	}
	fmt.Fprintln(r.w, line)
}

// ttyRenderer keeps one live line per resource and redraws them in place.
type ttyRenderer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	index map[string]int
	lines []string
	drawn int
}

func (r *ttyRenderer) Report(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	mark := "·"
	switch {
	case e.Level == "error":
		mark = "✗"
	case isSettled(e.Status), e.Change != nil && e.Change.Outcome == Serving:
		mark = "✔"
	}
	line := fmt.Sprintf(" %s %-28s %-10s %7s", mark, e.Resource, e.Status, elapsed(r.start, e.Time))
	var b strings.Builder
	if r.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", r.drawn)
	}
	if e.Change != nil {
		// A watch's change is history, not a state: it is written once,
		// whole, above the live lines, which are redrawn below it, so the
		// changes scroll up while the status lines stay in view.
		if e.Detail != "" {
			line += "  " + firstLine(e.Detail)
		}
		b.WriteString("\x1b[2K" + line + "\n")
	} else {
		if e.Detail != "" {
			line += "  " + truncate(firstLine(e.Detail), 60)
		}
		i, ok := r.index[e.Resource]
		if !ok {
			i = len(r.lines)
			r.index[e.Resource] = i
			r.lines = append(r.lines, "")
		}
		r.lines[i] = line
	}
	for _, l := range r.lines {
		b.WriteString("\x1b[2K" + l + "\n")
	}
	r.drawn = len(r.lines)
	_, _ = io.WriteString(r.w, b.String())
}

func isSettled(status string) bool {
	switch status {
	case "started", "healthy", "completed", "created", "removed", "built", "pulled", "up", "up to date", "down", "stopped", "upstream":
		return true
	}
	return false
}

func elapsed(start, t time.Time) string {
	return fmt.Sprintf("%.1fs", t.Sub(start).Seconds())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
