package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Each stack's change is one line of its real source, marked: the line
// must be there once, and nothing else may change.
func TestWatchMarkedSourceChangesOneLine(t *testing.T) {
	goSource, err := os.ReadFile(filepath.Join("..", "app", watchGo.file))
	if err != nil {
		t.Fatal(err)
	}
	pySource, err := watchPython.ReadFile("watch/python/" + watchPy.file)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind   *watchKind
		source []byte
	}{{watchGo, goSource}, {watchPy, pySource}} {
		edited, err := tc.kind.markedSource(tc.source, "m-1")
		if err != nil {
			t.Fatalf("%s: %v", tc.kind.name, err)
		}
		before, after := strings.Split(string(tc.source), "\n"), strings.Split(string(edited), "\n")
		if len(before) != len(after) {
			t.Fatalf("%s: the edit changed the number of lines: %d -> %d", tc.kind.name, len(before), len(after))
		}
		var changed []string
		for i := range before {
			if before[i] != after[i] {
				changed = append(changed, after[i])
			}
		}
		if len(changed) != 1 || !strings.Contains(changed[0], tc.kind.anchor+" edit=m-1") {
			t.Errorf("%s: changed lines = %q, want one holding %q", tc.kind.name, changed, tc.kind.anchor+" edit=m-1")
		}
	}
	if _, err := watchPy.markedSource([]byte("GREETING = 'hi'\n"), "m-3"); err == nil {
		t.Error("a source without the line was changed")
	}
	twice := append(append([]byte{}, pySource...), pySource...)
	if _, err := watchPy.markedSource(twice, "m-4"); err == nil || !strings.Contains(err.Error(), "2 times") {
		t.Errorf("a source holding the line twice: err = %v", err)
	}
	if _, err := markLine([]byte("a line\n"), "f", "a line", "absent", "m"); err == nil {
		t.Error("a line without its anchor was changed")
	}
}

// The tally counts only requests that ended after the write, every one
// that failed, and takes the first 200 holding the marker as the change.
func TestWatchTallyCounts(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tally := newWatchTally("edit=m")
	tally.observe(at(0), false, "", "refused", 0) // before the write: not counted
	if tally.answered() {
		t.Fatal("answered before any 200")
	}
	tally.observe(at(10), true, "old", "", 0)
	if !tally.answered() {
		t.Fatal("a 200 before the write does not say the client runs")
	}
	tally.write(at(100))
	tally.observe(at(90), false, "", "late", 0) // ended before the write
	tally.observe(at(110), true, "old", "", 1)
	for i := range 7 {
		tally.observe(at(200+10*i), false, "", "EOF", 0)
	}
	tally.observe(at(300), false, "edit=m", "HTTP 502", 0) // the marker, but no 200
	if !tally.changed().IsZero() {
		t.Fatal("a failed answer counted as the change")
	}
	tally.observe(at(1500), true, "hello edit=m", "", 2)
	tally.observe(at(1510), true, "old", "", 0) // the old replica once more
	tally.observe(at(1520), true, "hello edit=m", "", 0)
	res := tally.result()
	if res.Requests != 12 || res.Failed != 8 || res.DialRetries != 3 {
		t.Errorf("result = %+v, want 12 requests, 8 failed, 3 retries", res)
	}
	if res.Serving != 1400*time.Millisecond {
		t.Errorf("serving = %s, want 1.4s (write to the first 200 with the marker)", res.Serving)
	}
	if res.LongestGap != 1390*time.Millisecond {
		t.Errorf("longest gap = %s, want 1.39s", res.LongestGap)
	}
	if len(res.Failures) != watchFailuresKept || !strings.HasPrefix(res.Failures[0], "+0.100s EOF") {
		t.Errorf("failures = %q, want the first %d, timed from the write", res.Failures, watchFailuresKept)
	}
	if none := newWatchTally("x").result(); none.Serving != 0 || none.Requests != 0 {
		t.Errorf("an empty tally = %+v", none)
	}
}

// The loop counts each finished request, sees the change in the body,
// and does not count one cut short by the stop.
func TestWatchLoopSeesTheChange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		seen := n
		mu.Unlock()
		switch {
		case seen == 3:
			w.WriteHeader(http.StatusServiceUnavailable)
		case seen == 6:
			cancel()
			<-r.Context().Done()
		case seen >= 4:
			_, _ = io.WriteString(w, "hello edit=m")
		default:
			_, _ = io.WriteString(w, "hello")
		}
	}))
	defer srv.Close()
	tally := newWatchTally("edit=m")
	tally.write(time.Now())
	d := &soakDialer{}
	watchLoop(ctx, newSoakClient(d), d, srv.URL, tally)
	res := tally.result()
	if res.Requests != 5 || res.Failed != 1 || res.Serving <= 0 {
		t.Errorf("result = %+v, want 5 requests, 1 failed, the change seen", res)
	}
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0], "503") {
		t.Errorf("failures = %q, want the status", res.Failures)
	}
}

// What each tool prints, as the suite reads it: stackctl's progress events
// and Compose's line.
func TestWatchOutputLines(t *testing.T) {
	event := func(resource, status, detail, level string) string {
		b, err := json.Marshal(progressEvent{Time: time.Now(), Resource: resource, Status: status, Detail: detail, Level: level})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	watching := event("stack p", "watching", "app", "info")
	rebuilt := event("service web", "rebuilt", "app/x.go in 7s", "info")
	restarted := event("service web", "synced, restarted", "app/greeting.py in 900ms", "info")
	failed := event("service web", "watch failed", "app/x.go: rebuild: exit 1", "error")
	healthy := event("container p-web-1", "healthy", "100ms", "info")
	for _, tc := range []struct {
		line                     string
		ready, done, fail, cmpse bool
	}{
		{watching, true, false, false, false},
		{rebuilt, false, true, false, false},
		{restarted, false, true, false, false},
		{failed, false, false, true, false},
		{healthy, false, false, false, false},
		{"watching rebuilt restarted", false, false, false, false},
		{"Watch enabled", false, false, false, true},
		{`Rebuilding service(s) ["web"] after changes were detected...`, false, false, false, false},
	} {
		if got := stackctlWatching(tc.line); got != tc.ready {
			t.Errorf("stackctlWatching(%s) = %v", tc.line, got)
		}
		if got := stackctlWatchDone(tc.line); got != tc.done {
			t.Errorf("stackctlWatchDone(%s) = %v", tc.line, got)
		}
		if got := stackctlWatchFailed(tc.line); got != tc.fail {
			t.Errorf("stackctlWatchFailed(%s) = %v", tc.line, got)
		}
		if got := composeWatching(tc.line); got != tc.cmpse {
			t.Errorf("composeWatching(%s) = %v", tc.line, got)
		}
	}
}

func TestWatchChecksAndTable(t *testing.T) {
	for _, tc := range []struct {
		goS, goC, pyS, pyC, goFailed float64
		pass                         [3]bool
	}{
		{4, 10, 1, 2, 0, [3]bool{true, true, true}},
		{7, 7.5, 1.9, 2, 1, [3]bool{false, false, false}},
	} {
		r := &Report{}
		for round, f := range []float64{0, tc.goFailed, 0} {
			r.Samples = append(r.Samples,
				Sample{Round: round + 1, Tool: "stackctl", Metric: metricWatchGoServing, Value: tc.goS, Unit: unitSeconds},
				Sample{Round: round + 1, Tool: "compose", Metric: metricWatchGoServing, Value: tc.goC, Unit: unitSeconds},
				Sample{Round: round + 1, Tool: "stackctl", Metric: metricWatchPyServing, Value: tc.pyS, Unit: unitSeconds},
				Sample{Round: round + 1, Tool: "compose", Metric: metricWatchPyServing, Value: tc.pyC, Unit: unitSeconds},
				Sample{Round: round + 1, Tool: "stackctl", Metric: metricWatchGoFailed, Value: f, Unit: unitRequests},
				Sample{Round: round + 1, Tool: "compose", Metric: metricWatchGoFailed, Value: 25, Unit: unitRequests})
		}
		r.compute()
		checks := r.watchChecks()
		if len(checks) != 3 {
			t.Fatalf("checks = %+v, want 3", checks)
		}
		for i, c := range checks {
			if !c.Measured || c.Pass != tc.pass[i] {
				t.Errorf("%s: measured %v, pass %v; want pass %v (%s)", c.Name, c.Measured, c.Pass, tc.pass[i], c.Detail)
			}
		}
		var table bytes.Buffer
		r.printWatch(&table)
		want := []string{"stackctl watch", "docker compose watch", "25 / 25 / 25"}
		if tc.pass[0] {
			want = append(want, "0.40x", "0.50x")
		}
		for _, w := range want {
			if !strings.Contains(table.String(), w) {
				t.Errorf("table lacks %q:\n%s", w, table.String())
			}
		}
		if strings.Contains(table.String(), "longest gap") {
			t.Errorf("the table shows a row nothing measured:\n%s", table.String())
		}
	}
	unmeasured := (&Report{}).watchChecks()
	for _, c := range unmeasured {
		if c.Measured || c.Pass {
			t.Errorf("%s judged without samples: %+v", c.Name, c)
		}
	}
}

// The failed-requests chart is drawn only when a request failed.
func TestWatchCharts(t *testing.T) {
	r := &Report{Samples: []Sample{
		{Round: 1, Tool: "stackctl", Metric: metricWatchPyServing, Value: 2, Unit: unitSeconds},
		{Round: 1, Tool: "stackctl", Metric: metricWatchPyFailed, Value: 0, Unit: unitRequests},
	}}
	r.compute()
	if c := r.watchCharts(); len(c) != 1 || c[0].file != chartWatch {
		t.Errorf("charts = %+v, want the times alone", c)
	}
	r.Samples = append(r.Samples, Sample{Round: 1, Tool: "compose", Metric: metricWatchPyFailed, Value: 30, Unit: unitRequests})
	r.compute()
	if c := r.watchCharts(); len(c) != 2 || c[1].file != chartWatchFailed || c[1].metrics[0] != metricWatchPyFailed {
		t.Errorf("charts = %+v, want the times and the failed requests", c)
	}
	for _, m := range watchRows {
		if chartLabels[m.metric] == "" {
			t.Errorf("no chart label for %s", m.metric)
		}
	}
}

// What stackctl makes of the suite's files: the override gives the
// built-in stack's web a rebuild on its copy of the app, and the Python
// stack syncs its source and restarts.
func TestWatchFilesDeclareTheirActions(t *testing.T) {
	dir := t.TempDir()
	override := filepath.Join(dir, "override.yaml")
	if err := os.WriteFile(override, watchGoOverride, 0o644); err != nil {
		t.Fatal(err)
	}
	py := filepath.Join(dir, "py")
	if err := copyPythonStack(py); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"compose.yaml", "Dockerfile", "app/server.py", "app/greeting.py"} {
		if _, err := os.Stat(filepath.Join(py, p)); err != nil {
			t.Errorf("the Python stack's copy lacks %s: %v", p, err)
		}
	}
	type watchRule struct {
		Action string `json:"action"`
		Path   string `json:"path"`
		Target string `json:"target"`
	}
	develop := func(files []string, project string, env map[string]string) map[string][]watchRule {
		t.Helper()
		out, err := configJSON(context.Background(), stackctlBin(t), files, project, env)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Services map[string]struct {
				Develop struct {
					Watch []watchRule `json:"watch"`
				} `json:"develop"`
			} `json:"services"`
		}
		if err := json.Unmarshal(out, &st); err != nil {
			t.Fatal(err)
		}
		rules := map[string][]watchRule{}
		for name, svc := range st.Services {
			if len(svc.Develop.Watch) > 0 {
				rules[name] = svc.Develop.Watch
			}
		}
		return rules
	}
	appDir := filepath.Join(dir, "app")
	goRules := develop([]string{builtinFile, override}, "bench-w-go-s", map[string]string{"WEB_PORT": "5123", "APP_DIR": appDir})
	if len(goRules) != 1 || len(goRules["web"]) != 1 || goRules["web"][0].Action != "rebuild" || goRules["web"][0].Path != appDir {
		t.Errorf("the Go app's watch rules = %+v, want web rebuilt on %s", goRules, appDir)
	}
	pyRules := develop([]string{filepath.Join(py, "compose.yaml")}, "bench-w-py-s", map[string]string{"PY_PORT": "5124"})
	want := watchRule{Action: "sync+restart", Path: filepath.Join(py, "app"), Target: "/srv/app"}
	if len(pyRules) != 1 || len(pyRules["web"]) != 1 || pyRules["web"][0] != want {
		t.Errorf("the Python app's watch rules = %+v, want web: %+v", pyRules, want)
	}
}

// The page's steps of a change: the first build line and the lines that
// mark a step, each tool's own.
func TestWatchSteps(t *testing.T) {
	tl := []TimedEvent{
		{After: 0.5, Resource: "image p-app:latest", Status: "building", Detail: "/tmp/app"},
		{After: 0.6, Resource: "image p-app:latest", Status: "building", Detail: "[build 5/6] COPY . ."},
		{After: 8.7, Resource: "image p-app:latest", Status: "built", Detail: "0edd38fc0117"},
		{After: 9.8, Resource: "container p-web-1", Status: "started"},
		{After: 11, Resource: "container p-web-edge-1", Status: "upstream", Detail: "web: 1 replicas"},
		{After: 0.5, Resource: "output", Status: `Rebuilding service(s) ["web"] after changes were detected...`},
		{After: 1.2, Resource: "output", Status: "#11 [build 6/6] RUN go build"},
		{After: 0.5, Resource: "output", Status: `Syncing service "web" after 1 changes were detected`},
		{After: 5.7, Resource: "output", Status: "Image p-app:latest Built"},
		{After: 5.8, Resource: "output", Status: "Container p-migrate-1 Recreated"},
		{After: 6.4, Resource: "output", Status: "Container p-web-1 Started"},
		{After: 7.1, Resource: "client", Status: "the change answered"},
	}
	var got []string
	for _, e := range watchSteps(tl) {
		got = append(got, watchStepLabel(e))
	}
	want := []string{"image p-app:latest building", "image p-app:latest built", "container p-web-1 started",
		"container p-web-edge-1 upstream", `Rebuilding service(s) ["web"] after changes were detected...`,
		`Syncing service "web" after 1 changes were detected`, "Image p-app:latest Built", "Container p-web-1 Started", "client the change answered"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The engine alone is set beside half of Compose's time for the same
// change, on the console and on the page.
func TestWatchEngineAloneAgainstHalfOfCompose(t *testing.T) {
	r := &Report{Tools: map[string]ToolInfo{}}
	for round := 1; round <= 3; round++ {
		r.Samples = append(r.Samples,
			Sample{Round: round, Tool: "compose", Metric: metricWatchGoServing, Value: 8, Unit: unitSeconds},
			Sample{Round: round, Tool: engineAloneTool, Metric: metricWatchGoEngine, Value: 5, Unit: unitSeconds},
			Sample{Round: round, Tool: "compose", Metric: metricWatchPyServing, Value: 2, Unit: unitSeconds},
			Sample{Round: round, Tool: engineAloneTool, Metric: metricWatchPyEngine, Value: 0.9, Unit: unitSeconds})
	}
	r.compute()
	if got := r.halfOfCompose(metricWatchGoEngine, metricWatchGoServing); got != "1.25x" {
		t.Errorf("Go: the engine's 5s against half of Compose's 8s = %q, want 1.25x", got)
	}
	if got := r.halfOfCompose(metricWatchPyEngine, metricWatchPyServing); got != "0.90x" {
		t.Errorf("Python: the engine's 0.9s against half of Compose's 2s = %q, want 0.90x", got)
	}
	if got := r.halfOfCompose(metricWatchGoEngine, metricWatchPyFailed); got != "-" {
		t.Errorf("against a metric Compose has no sample of: %q, want -", got)
	}
	var console bytes.Buffer
	r.printWatch(&console)
	for _, w := range []string{"the engine alone, Go app", "1.25x half of Compose's", "the engine alone, Python app", "0.90x half of Compose's"} {
		if !strings.Contains(console.String(), w) {
			t.Errorf("the console table lacks %q:\n%s", w, console.String())
		}
	}
	page := &docsPage{}
	page.watchSection(DocsSource{Report: r})
	for _, w := range []string{"### The least any tool can take", "| 4.000 s | 1.25x |", "| 1.000 s | 0.90x |"} {
		if !strings.Contains(page.b.String(), w) {
			t.Errorf("the page lacks %q:\n%s", w, page.b.String())
		}
	}
}
