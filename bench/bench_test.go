package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	cases := []struct {
		in   []float64
		want Summary
	}{
		{nil, Summary{}},
		{[]float64{3}, Summary{N: 1, Min: 3, Median: 3, Max: 3}},
		{[]float64{5, 1, 3}, Summary{N: 3, Min: 1, Median: 3, Max: 5}},
		{[]float64{4, 1, 3, 2}, Summary{N: 4, Min: 1, Median: 2.5, Max: 4}},
	}
	for _, c := range cases {
		if got := summarize(c.in); got != c.want {
			t.Errorf("summarize(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestReportChecks(t *testing.T) {
	r := &Report{}
	add := func(tool, metric string, values ...float64) {
		for _, v := range values {
			r.Samples = append(r.Samples, Sample{Tool: tool, Metric: metric, Value: v})
		}
	}
	add(floorTool, metricFloorTCP, 0.5, 0.6, 0.7)
	add("stackctl", metricColdUp, 0.7, 0.8, 0.9)
	add("compose", metricColdUp, 6, 7, 8)
	add("stackctl", metricFirstUp, 2)
	add("compose", metricFirstUp, 10)
	add("stackctl", metricDown, 0.6)
	add("compose", metricDown, 1)
	add("stackctl", metricNoopUp, 0.4)
	add("compose", metricNoopUp, 0.5)
	add("stackctl", metricCrash, 3)
	add("stackctl", metricRedeployFailed, 0, 0)
	add("stackctl", metricEdgeRedeployFailed, 0, 2)
	add("stackctl", metricForeignUp, 3, 4, 5)
	add("compose", metricForeignUp, 20, 21, 22)
	add("stackctl", metricLoadConfig, 40, 52, 70)
	add("stackctl", metricLoadStart, 20, 25, 30)
	r.finish()
	want := map[string]bool{
		"cold-up <= 0.12x compose":                                            true,
		"cold-up within 500ms of the postgres floor":                          true,
		"first-up <= 0.3x compose":                                            true,
		"noop-up <= 0.5x compose":                                             false,
		"noop-up under 300ms":                                                 false,
		"crash-recovery within 300ms of the postgres floor":                   false,
		"down <= 0.5x compose":                                                false,
		"redeploy under load behind the edge: 0 failed requests, every round": false,
		"soak: 0 failed requests in every rolling update":                     false,
		"foreign-up <= 0.2x compose":                                          true,
		"loading the file under 20ms":                                         false,
		// The growth suite did not run: not measured, so not passed.
		"growth: cold up slope <= 0.5x compose's":     false,
		"growth: no-op up under 100ms at 40 services": false,
		"growth: max RSS <= 40 MiB at 40 services":    false,
		// Nor did the edit suite.
		"edit -> serving: BuildKit <= 0.4x the classic builder": false,
		// Nor did the watch suite.
		"watch, Go app (rebuild): stackctl <= 0.5x Compose":                 false,
		"watch, Python app (sync+restart): stackctl <= 0.5x Compose":        false,
		"watch, Go app: 0 failed requests in every rebuild behind the edge": false,
	}
	if len(r.Checks) != len(want) {
		t.Fatalf("checks = %+v, want %d", r.Checks, len(want))
	}
	for _, c := range r.Checks {
		if pass, ok := want[c.Name]; !ok || pass != c.Pass {
			t.Errorf("check %q pass=%v (%s), want known and %v", c.Name, c.Pass, c.Detail, pass)
		}
	}
	var table bytes.Buffer
	r.PrintTable(&table)
	for _, s := range []string{"1. cold up", "0.700 / 0.800 / 0.900 s", "0.11x", "MISS",
		"7. foreign file", "0.19x", "<= 0.2x", "40.0 / 52.0 / 70.0 ms", "less start < 20ms",
		"loading the file under 20ms", "27.0ms = config 52.0ms less start 25.0ms"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, table.String())
		}
	}
}

func TestParseEventsSkipsPlainLines(t *testing.T) {
	stderr := `{"time":"2025-01-01T00:00:01Z","resource":"container db","status":"started"}
stack bench-s is up (1.2s)
{"time":"2025-01-01T00:00:02Z","resource":"container web","status":"healthy","detail":"0.5s"}
`
	events := parseEvents([]byte(stderr))
	if len(events) != 2 || events[1].Status != "healthy" {
		t.Fatalf("events = %+v", events)
	}
	tl := timeline(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), events)
	if tl[0].After != 1 || tl[1].After != 2 || tl[1].Detail != "0.5s" {
		t.Errorf("timeline = %+v", tl)
	}
}

// fakePostgres answers one startup message per connection with reply.
func fakePostgres(t *testing.T, reply func() []byte) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				var size [4]byte
				if _, err := io.ReadFull(conn, size[:]); err != nil {
					return
				}
				rest := make([]byte, binary.BigEndian.Uint32(size[:])-4)
				if _, err := io.ReadFull(conn, rest); err != nil {
					return
				}
				if binary.BigEndian.Uint32(rest) != 3<<16 || !bytes.Contains(rest, []byte("user\x00appuser\x00")) {
					return
				}
				_, _ = conn.Write(reply())
			}()
		}
	}()
	return l.Addr().String()
}

func errorResponse(code string) []byte {
	body := []byte("SFATAL\x00C" + code + "\x00Mthe database system is starting up\x00\x00")
	msg := []byte{'E', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(4+len(body)))
	return append(msg, body...)
}

func TestPgAccepting(t *testing.T) {
	ctx := context.Background()
	authRequest := []byte{'R', 0, 0, 0, 12, 0, 0, 0, 10, 'x', 'x', 'x'}
	cases := map[string]struct {
		reply []byte
		want  bool
	}{
		"asks for a password": {authRequest, true},
		"starting up":         {errorResponse(sqlstateCannotConnectNow), false},
		"unknown user":        {errorResponse("28000"), true},
		"closes at once":      {nil, false},
	}
	for name, c := range cases {
		addr := fakePostgres(t, func() []byte { return c.reply })
		got, err := pgAccepting(ctx, addr)
		if err != nil || got != c.want {
			t.Errorf("%s: pgAccepting = %v, %v; want %v", name, got, err, c.want)
		}
	}
	// Nothing listening: not yet, no error.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	if got, err := pgAccepting(ctx, addr); got || err != nil {
		t.Errorf("closed port: pgAccepting = %v, %v", got, err)
	}
}

func TestWaitPgTCPWaitsForStartup(t *testing.T) {
	var calls atomic.Int32
	addr := fakePostgres(t, func() []byte {
		if calls.Add(1) < 3 {
			return errorResponse(sqlstateCannotConnectNow)
		}
		return []byte{'R', 0, 0, 0, 8, 0, 0, 0, 0}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := waitPgTCP(ctx, addr); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("probed %d times, want 3", calls.Load())
	}
}

// TestClientLoopCountsAnOutage serves, fails for a few requests, and serves
// again once the "deploy" is over: the loop must count the failures, measure
// the gap, and stop at the first success after the deploy. The outage is a
// number of requests, not a time, so the counts are exact however loaded
// the machine, and the gap is checked against what the server saw.
func TestClientLoopCountsAnOutage(t *testing.T) {
	const served, failing = 3, 5
	var (
		mu       sync.Mutex
		requests int
		// When the server began the last request before the outage, the
		// first failing one, and the first one after the outage.
		lastServed, outageBegan, outageEnded time.Time
	)
	deployed := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		switch n := requests; {
		case n < served:
		case n == served:
			lastServed = time.Now()
		case n <= served+failing:
			if n == served+1 {
				outageBegan = time.Now()
			}
			if n == served+failing {
				close(deployed) // the deploy command returns during the last failure
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case n == served+failing+1:
			outageEnded = time.Now()
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()

	called := time.Now()
	rep := clientLoop(context.Background(), newWebClient(), srv.URL, deployed, time.Minute)
	returned := time.Now()
	mu.Lock()
	defer mu.Unlock()
	if rep.ServingAgain.IsZero() {
		t.Fatal("loop did not see the service back")
	}
	if rep.Requests != served+failing+1 || rep.Failed != failing || requests != served+failing+1 {
		t.Errorf("loop sent %d requests (the server saw %d), %d failed; want %d, %d failed: it stops at the first 200 after the deploy",
			rep.Requests, requests, rep.Failed, served+failing+1, failing)
	}
	// Bounds from what the server saw, which hold however slow the machine:
	// the client had its last 200 before the outage after the server began
	// that request and before it began the first failing one, and its first
	// 200 after the outage after the server began that one and before the
	// loop returned. So the gap across the outage spans at least the
	// outage, and at most from that last 200 to the return; the gaps
	// before the outage all end before it began.
	outage := outageEnded.Sub(outageBegan)
	most := max(returned.Sub(lastServed), outageBegan.Sub(called))
	if rep.LongestGap < outage || rep.LongestGap > most {
		t.Errorf("longest gap = %s, want between the outage's %s and %s", rep.LongestGap, outage, most)
	}
	if rep.ServingAgain.Before(outageEnded) || rep.ServingAgain.After(returned) {
		t.Errorf("serving again at %s, want between the server's first 200 after the outage (%s) and the loop's return (%s)",
			rep.ServingAgain.Format(time.StampMicro), outageEnded.Format(time.StampMicro), returned.Format(time.StampMicro))
	}
}

func TestInvocationFailureCarriesOutput(t *testing.T) {
	tool := &Tool{Name: "sh", argv: []string{"sh", "-c"}}
	_, err := tool.run(context.Background(), []string{"echo boom >&2; exit 3"})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v, want the command's output in it", err)
	}
}

func TestNamesAreComposes(t *testing.T) {
	n, err := namesFor(context.Background(), stackctlBin(t), []string{builtinFile}, "bench-c", map[string]string{"WEB_PORT": "5123", "APP_DIR": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if n.Containers["db"] != "bench-c-db-1" || !slices.Equal(n.Networks, []string{"bench-c_app-network"}) ||
		!slices.Equal(n.Volumes, []string{"bench-c_postgres_data"}) {
		t.Errorf("names = %+v", n)
	}
	// db and web declare healthchecks, migrate disables its image's, cache
	// has none.
	if !slices.Equal(n.Healthchecked, []string{"bench-c-db-1", "bench-c-web-1"}) {
		t.Errorf("healthchecked = %v, want db's and web's containers", n.Healthchecked)
	}
}

// A run of one suite shows its rows only, and judges no target it did not
// measure as missed.
func TestReportLeavesOutWhatWasNotRun(t *testing.T) {
	r := &Report{}
	for _, s := range []struct {
		metric string
		value  float64
	}{{metricLoadConfig, 30}, {metricLoadStart, 18}} {
		r.Samples = append(r.Samples, Sample{Tool: "stackctl", Metric: s.metric, Value: s.value, Unit: unitMillis})
	}
	r.finish()
	var table bytes.Buffer
	r.PrintTable(&table)
	out := table.String()
	for _, absent := range []string{"1. cold up", "7. foreign file", "postgres itself", "MISS", "probe process"} {
		if strings.Contains(out, absent) {
			t.Errorf("table has %q, which this run did not measure:\n%s", absent, out)
		}
	}
	for _, present := range []string{"8. stackctl config", "30.0 / 30.0 / 30.0 ms", "ok    loading the file under 20ms", "--    foreign-up <= 0.2x compose"} {
		if !strings.Contains(out, present) {
			t.Errorf("table lacks %q:\n%s", present, out)
		}
	}
	for _, c := range r.Checks {
		if c.Measured != (c.Name == "loading the file under 20ms") {
			t.Errorf("check %q: measured=%v", c.Name, c.Measured)
		}
	}
}

// The load target is judged on what the file costs, the start of the
// process left out; results of runs that timed loading in a probe process
// of their own are judged on that, as they were.
func TestLoadCheck(t *testing.T) {
	cases := []struct {
		name    string
		samples map[string]float64
		pass    bool
		detail  string
	}{
		{"config less start", map[string]float64{metricLoadConfig: 45, metricLoadStart: 30}, true, "15.0ms = config 45.0ms less start 30.0ms"},
		{"over the target", map[string]float64{metricLoadConfig: 55, metricLoadStart: 30}, false, "25.0ms"},
		{"earlier runs' probe", map[string]float64{metricLoadPlan: 11}, true, "11.0ms (load + plan in a probe process)"},
		{"config alone is not judged", map[string]float64{metricLoadConfig: 15}, false, "not measured"},
	}
	for _, c := range cases {
		r := &Report{}
		for metric, v := range c.samples {
			r.Samples = append(r.Samples, Sample{Tool: "stackctl", Metric: metric, Value: v, Unit: unitMillis})
		}
		r.compute()
		got := r.loadCheck()
		if got.Pass != c.pass || !strings.Contains(got.Detail, c.detail) {
			t.Errorf("%s: pass=%v (%s), want pass=%v and %q", c.name, got.Pass, got.Detail, c.pass, c.detail)
		}
	}
}
