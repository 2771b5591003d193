package progress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is when the renderers under test started: NewRenderer takes its start
// from the clock, and the tests set it to t0 so elapsed times are exact.
var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestParseMode(t *testing.T) {
	for _, s := range []string{"auto", "tty", "plain", "json"} {
		m, err := ParseMode(s)
		if err != nil || string(m) != s {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", s, m, err, s)
		}
	}
	for _, s := range []string{"", "JSON", "text"} {
		if m, err := ParseMode(s); err == nil {
			t.Errorf("ParseMode(%q) = %q, want an error", s, m)
		}
	}
}

func TestNewRendererPicksTheMode(t *testing.T) {
	for _, tc := range []struct {
		mode       Mode
		isTerminal bool
		want       string
	}{
		{Auto, true, "*progress.ttyRenderer"},
		{Auto, false, "*progress.plainRenderer"},
		{TTY, false, "*progress.ttyRenderer"},
		{Plain, true, "*progress.plainRenderer"},
		{JSON, true, "*progress.jsonRenderer"},
		{JSON, false, "*progress.jsonRenderer"},
	} {
		if got := fmt.Sprintf("%T", NewRenderer(&bytes.Buffer{}, tc.mode, tc.isTerminal)); got != tc.want {
			t.Errorf("NewRenderer(%s, terminal %v) is a %s, want %s", tc.mode, tc.isTerminal, got, tc.want)
		}
	}
}

// step is one event and exactly what reporting it must write.
type step struct {
	event Event
	want  string
}

// play reports each step's event to r and checks what that one report
// wrote to out.
func play(t *testing.T, r Reporter, out *bytes.Buffer, steps []step) {
	t.Helper()
	for i, s := range steps {
		out.Reset()
		r.Report(s.event)
		if got := out.String(); got != s.want {
			t.Errorf("event %d %+v wrote\n%q\nwant\n%q", i+1, s.event, got, s.want)
		}
	}
}

// The terminal rendering keeps one line per resource, in the order the
// resources first appeared, and redraws them all in place on every event:
// cursor up over what it drew last, then each line cleared and rewritten.
func TestTTYRendererRedrawsOneLiveLinePerResource(t *testing.T) {
	var out bytes.Buffer
	r := NewRenderer(&out, TTY, false).(*ttyRenderer)
	r.start = t0
	const (
		up1   = "\x1b[1A"
		up2   = "\x1b[2A"
		clear = "\x1b[2K"
	)
	long := strings.Repeat("x", 59) + "yz" // 61 runes: one too many
	play(t, r, &out, []step{
		{
			Event{Time: at(100 * time.Millisecond), Resource: "network app-network", Status: "creating", Level: "info"},
			clear + " · network app-network          creating      0.1s\n",
		},
		{
			Event{Time: at(1500 * time.Millisecond), Resource: "container db", Status: "starting", Level: "info"},
			up1 +
				clear + " · network app-network          creating      0.1s\n" +
				clear + " · container db                 starting      1.5s\n",
		},
		{
			// The first resource settles: its line changes where it stands.
			Event{Time: at(2 * time.Second), Resource: "network app-network", Status: "created", Detail: "bridge", Level: "info"},
			up2 +
				clear + " ✔ network app-network          created       2.0s  bridge\n" +
				clear + " · container db                 starting      1.5s\n",
		},
		{
			// An error wins over a settled status; only the first line of
			// the detail is shown.
			Event{Time: at(12340 * time.Millisecond), Resource: "container db", Status: "stopped", Detail: "exit 1\nFATAL: boom", Level: "error"},
			up2 +
				clear + " ✔ network app-network          created       2.0s  bridge\n" +
				clear + " ✗ container db                 stopped      12.3s  exit 1\n",
		},
		{
			// A long detail is cut to 60 runes, the last one an ellipsis.
			Event{Time: at(13 * time.Second), Resource: "container db", Status: "healthy", Detail: long, Level: "info"},
			up2 +
				clear + " ✔ network app-network          created       2.0s  bridge\n" +
				clear + " ✔ container db                 healthy      13.0s  " + strings.Repeat("x", 59) + "…\n",
		},
	})
}

// The plain rendering writes one line per event, in order, and never
// rewrites one: for logs and pipes.
func TestPlainRendererWritesOneLinePerEvent(t *testing.T) {
	var out bytes.Buffer
	r := NewRenderer(&out, Plain, true).(*plainRenderer)
	r.start = t0
	long := strings.Repeat("y", 80)
	play(t, r, &out, []step{
		{
			Event{Time: at(100 * time.Millisecond), Resource: "image postgres:15", Status: "pulled", Level: "info"},
			"   0.1s  image postgres:15            pulled\n",
		},
		{
			Event{Time: at(2500 * time.Millisecond), Resource: "container web-1", Status: "unhealthy", Detail: "GET /readyz: 503\nsecond line", Level: "error"},
			"   2.5s  container web-1              unhealthy  GET /readyz: 503\n",
		},
		{
			// Unlike the terminal's, plain lines are not truncated.
			Event{Time: at(123456 * time.Millisecond), Resource: "container web-1", Status: "healthy", Detail: long, Level: "info"},
			" 123.5s  container web-1              healthy  " + long + "\n",
		},
	})
}

// The JSON rendering writes each event as one JSON object on one line, so
// a program can read the stream line by line (bench does).
func TestJSONRendererWritesOneObjectPerLine(t *testing.T) {
	var out bytes.Buffer
	r := NewRenderer(&out, JSON, true)
	play(t, r, &out, []step{
		{
			Event{Time: at(1500 * time.Millisecond), Resource: "container web", Status: "healthy", Detail: "0.5s", Level: "info"},
			`{"time":"2025-01-01T12:00:01.5Z","resource":"container web","status":"healthy","detail":"0.5s","level":"info"}` + "\n",
		},
		{
			// No detail and no level: both are left out.
			Event{Time: at(2 * time.Second), Resource: "network app-network", Status: "created"},
			`{"time":"2025-01-01T12:00:02Z","resource":"network app-network","status":"created"}` + "\n",
		},
		{
			// A multi-line detail stays on the event's one line, whole.
			Event{Time: at(3 * time.Second), Resource: "image app", Status: "failed", Detail: "step 2/5\nexit 1", Level: "error"},
			`{"time":"2025-01-01T12:00:03Z","resource":"image app","status":"failed","detail":"step 2/5\nexit 1","level":"error"}` + "\n",
		},
	})
}

// Reporters are used from many goroutines at once (the orchestrator starts
// services in parallel); every event must still come out as its own whole
// line.
func TestJSONRendererConcurrentEventsStayWholeLines(t *testing.T) {
	var out bytes.Buffer
	r := NewRenderer(&out, JSON, false)
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				r.Report(Event{
					Time:     at(time.Duration(i) * time.Millisecond),
					Resource: fmt.Sprintf("container c%d", g),
					Status:   "started",
					Detail:   fmt.Sprintf("%d\n%s", i, strings.Repeat("d", 200)),
					Level:    "info",
				})
			}
		})
	}
	wg.Wait()

	seen := map[string]int{}
	sc := bufio.NewScanner(&out)
	lines := 0
	for sc.Scan() {
		lines++
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%q", lines, err, sc.Text())
		}
		seen[e.Resource]++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines != goroutines*each {
		t.Errorf("%d lines, want %d, one per event", lines, goroutines*each)
	}
	for g := range goroutines {
		if n := seen[fmt.Sprintf("container c%d", g)]; n != each {
			t.Errorf("container c%d: %d events, want %d", g, n, each)
		}
	}
}

func TestRecorderKeepsEveryEventInOrder(t *testing.T) {
	var r Recorder
	for i := range 3 {
		r.Report(Event{Resource: fmt.Sprint("container c", i), Status: "started"})
	}
	got := r.Events()
	if len(got) != 3 || got[0].Resource != "container c0" || got[2].Resource != "container c2" {
		t.Fatalf("events = %+v", got)
	}
	got[0].Resource = "changed"
	if r.Events()[0].Resource != "container c0" {
		t.Error("Events shares its slice with the recorder")
	}
}

// On a terminal, a watch's change is written once above the live lines,
// which are redrawn under it: the changes scroll up as history while the
// status line of what is watched stays at the bottom.
func TestTTYRendererWritesChangesAboveTheLiveLines(t *testing.T) {
	var out bytes.Buffer
	r := NewRenderer(&out, TTY, false).(*ttyRenderer)
	r.start = t0
	const (
		up1   = "\x1b[1A"
		clear = "\x1b[2K"
	)
	watching := clear + " · stack demo                   watching      0.5s  src, Dockerfile (app)\n"
	long := strings.Repeat("f", 70)
	play(t, r, &out, []step{
		{
			Event{Time: at(500 * time.Millisecond), Resource: "stack demo", Status: "watching", Detail: "src, Dockerfile (app)", Level: "info"},
			watching,
		},
		{
			Event{Time: at(4 * time.Second), Resource: "service app", Status: "rebuilt", Detail: "src/a.go: serving again after 3.2s", Level: "info",
				Change: &Change{Service: "app", Action: "rebuild", Files: []string{"src/a.go"}, DurationMS: 3200, Outcome: Serving}},
			up1 + clear + " ✔ service app                  rebuilt       4.0s  src/a.go: serving again after 3.2s\n" + watching,
		},
		{
			// A failure is marked, shows the first line of its detail and,
			// unlike a live line, is not cut.
			Event{Time: at(9 * time.Second), Resource: "service app", Status: "watch failed", Detail: long + "\n--- output ---", Level: "error",
				Change: &Change{Service: "app", Action: "rebuild", Files: []string{"src/a.go"}, DurationMS: 900, Outcome: Failed, Error: "boom"}},
			up1 + clear + " ✗ service app                  watch failed    9.0s  " + long + "\n" + watching,
		},
	})
}

// A change on a pipe is one plain line, as any event; in JSON it carries
// its fields whole.
func TestPlainAndJSONRenderersWriteAChange(t *testing.T) {
	ev := Event{Time: at(2 * time.Second), Resource: "service app", Status: "synced", Detail: "a.txt, b.txt, c.txt +2 more: in 40ms", Level: "info",
		Change: &Change{Service: "app", Action: "sync", Files: []string{"a.txt", "b.txt", "c.txt", "d.txt", "e.txt"}, DurationMS: 40, Outcome: Serving}}
	var out bytes.Buffer
	plain := NewRenderer(&out, Plain, false).(*plainRenderer)
	plain.start = t0
	play(t, plain, &out, []step{{ev, "   2.0s  service app                  synced  a.txt, b.txt, c.txt +2 more: in 40ms\n"}})
	play(t, NewRenderer(&out, JSON, false), &out, []step{{ev,
		`{"time":"2025-01-01T12:00:02Z","resource":"service app","status":"synced","detail":"a.txt, b.txt, c.txt +2 more: in 40ms","level":"info",` +
			`"change":{"service":"app","action":"sync","files":["a.txt","b.txt","c.txt","d.txt","e.txt"],"duration_ms":40,"outcome":"serving"}}` + "\n"}})
}
