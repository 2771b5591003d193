package bench

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSoakIsNotInTheDefaultSuites(t *testing.T) {
	all, err := ParseSuites("")
	if err != nil {
		t.Fatal(err)
	}
	if all[SuiteSoak] {
		t.Errorf("the default suites %v include the soak", all)
	}
	only, err := ParseSuites("soak")
	if err != nil || !only[SuiteSoak] || len(only) != 1 {
		t.Errorf("ParseSuites(soak) = %v, %v", only, err)
	}
	if _, err := ParseSuites("soak,nope"); err == nil || !strings.Contains(err.Error(), "soak") {
		t.Errorf("an unknown suite's error should list the soak too: %v", err)
	}
}

// The override changes web's environment, and nothing else, through
// Compose's merge of a second file: each round is a new configuration of
// web without a new image.
func TestSoakOverrideChangesWebOnly(t *testing.T) {
	dir := t.TempDir()
	load := func(n int) *stackConfig {
		t.Helper()
		override := filepath.Join(dir, "override.yaml")
		if err := os.WriteFile(override, []byte(soakOverride(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		return resolveForTest(t, []string{builtinFile, override}, "bench-soak", map[string]string{"WEB_PORT": "5123", "APP_DIR": dir})
	}
	// env is a service's environment, NAME=value, sorted.
	env := func(st *stackConfig, service string) []string {
		svc, ok := st.Services[service]
		if !ok {
			t.Fatalf("no service %s", service)
		}
		var out []string
		for k, v := range svc.Environment {
			value := ""
			if v != nil {
				value = *v
			}
			out = append(out, k+"="+value)
		}
		slices.Sort(out)
		return out
	}
	one, two := load(1), load(2)
	round := func(vars []string) string {
		for _, kv := range vars {
			if v, ok := strings.CutPrefix(kv, soakRoundVar+"="); ok {
				return v
			}
		}
		return ""
	}
	if round(env(one, "web")) != "1" || round(env(two, "web")) != "2" {
		t.Errorf("web's %s = %q, %q; want 1 and 2", soakRoundVar, round(env(one, "web")), round(env(two, "web")))
	}
	// The merge keeps the file's own variables.
	if !slices.Contains(env(one, "web"), "PORT=5000") {
		t.Errorf("web lost the file's PORT: %+v", env(one, "web"))
	}
	for _, service := range []string{"db", "cache", "migrate"} {
		if !slices.Equal(env(one, service), env(two, service)) || round(env(one, service)) != "" {
			t.Errorf("%s's environment changes between rounds: %+v", service, env(one, service))
		}
	}
}

func TestSoakNames(t *testing.T) {
	tool := &Tool{Project: "bench-soak", OwnerLabel: stackctlProjectLabel}
	var names []string
	for _, r := range soakResources(tool) {
		if r.label != stackctlProjectLabel || r.value != "bench-soak" {
			t.Errorf("%+v is not checked against the project's label", r)
		}
		names = append(names, r.name)
	}
	if want := []string{"bench-soak-web-2", "bench-soak-web-3", "bench-soak-web-edge-1"}; !slices.Equal(names, want) {
		t.Errorf("soak resources = %v, want %v", names, want)
	}
}

// Each request counts in the round running when it ended; a gap counts in
// the round its closing success falls in, and the last one runs to the end.
func TestSoakTallyRounds(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tally := newSoakTally(at(0))
	tally.observe(soakResult{at: at(5), ok: true}) // before any round: not counted
	tally.begin(1, at(10))
	tally.observe(soakResult{at: at(20), ok: true})
	tally.observe(soakResult{at: at(30), ok: false, failure: "HTTP 502 Bad Gateway"})
	tally.observe(soakResult{at: at(100), ok: true, retries: []soakRetry{{at: at(60), err: "i/o timeout"}}})
	tally.took(1, 2*time.Second)
	tally.begin(2, at(110))
	tally.observe(soakResult{at: at(120), ok: true})
	tally.observe(soakResult{at: at(130), ok: true})
	if got := tally.lastOK(); !got.Equal(at(130)) {
		t.Errorf("last success at %s, want %s", got, at(130))
	}
	rounds := tally.finish(at(400))

	want := []SoakRound{
		{Round: 1, Began: at(10), Took: 2, Requests: 3, Failed: 1, LongestGap: 0.080, DialRetries: 1},
		{Round: 2, Began: at(110), Requests: 2, LongestGap: 0.270},
	}
	if len(rounds) != len(want) {
		t.Fatalf("rounds = %+v", rounds)
	}
	for i := range want {
		g, w := rounds[i], want[i]
		if g.Round != w.Round || !g.Began.Equal(w.Began) || g.Took != w.Took || g.Requests != w.Requests ||
			g.Failed != w.Failed || g.DialRetries != w.DialRetries || !near(g.LongestGap, w.LongestGap) {
			t.Errorf("round %d = %+v, want %+v", i+1, g, w)
		}
	}
	if len(tally.Failed) != 1 || tally.Failed[0].Round != 1 || !near(tally.Failed[0].After, 0.020) ||
		tally.Failed[0].What != "HTTP 502 Bad Gateway" {
		t.Errorf("failures = %+v", tally.Failed)
	}
	if len(tally.Retries) != 1 || !near(tally.Retries[0].After, 0.050) || tally.Retries[0].What != "i/o timeout" {
		t.Errorf("retries = %+v", tally.Retries)
	}

	rep := &SoakReport{Project: "bench-soak", Port: 5123, Replicas: 3, Burn: 2, Rounds: rounds,
		Failures: tally.Failed, Retries: tally.Retries}
	rep.total()
	if rep.Requests != 5 || rep.Failed != 1 || rep.DialRetries != 1 || !near(rep.LongestGap, 0.270) {
		t.Errorf("totals = %+v", rep)
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, s := range []string{"2 rolling updates", "2 busy-loop goroutines", "total", "round 1 +0.020s (12:00:00.030): HTTP 502 Bad Gateway"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the soak's report lacks %q:\n%s", s, out.String())
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestSoakTallyKeepsBoundedEvents(t *testing.T) {
	tally := newSoakTally(time.Now())
	tally.begin(1, time.Now())
	for range soakTallyEventCap + 5 {
		tally.observe(soakResult{at: time.Now(), failure: "refused"})
	}
	if len(tally.Failed) != soakTallyEventCap || tally.Dropped != 5 {
		t.Errorf("kept %d failures, dropped %d", len(tally.Failed), tally.Dropped)
	}
	if r := tally.finish(time.Now()); r[0].Failed != soakTallyEventCap+5 {
		t.Errorf("counted %d failures", r[0].Failed)
	}
}

// A refused connection means nothing listens: the request fails, it is not
// retried.
func TestSoakDialerDoesNotRetryRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	d := &soakDialer{}
	client := newSoakClient(d)
	ok, failure := soakGet(context.Background(), client, "http://"+addr+"/")
	if ok || !strings.Contains(failure, "refused") {
		t.Errorf("GET a closed port = %v, %q; want a refused connection", ok, failure)
	}
	if retries := d.take(); len(retries) != 0 {
		t.Errorf("retried a refused connection: %+v", retries)
	}
}

func TestBurnStops(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	stop := burn(2)
	if got := runtime.GOMAXPROCS(0); got != before+2 {
		t.Errorf("GOMAXPROCS while burning = %d, want %d", got, before+2)
	}
	stop()
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS after = %d, want %d", got, before)
	}
}

// The loop counts every finished request into the running round with what
// failed, and one cut short by the stop not at all.
func TestSoakLoopCountsUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		seen := n
		mu.Unlock()
		switch seen {
		case 3:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><title>502 Bad Gateway</title></html>")
		case 5:
			cancel() // the soak ends while this request is in flight
			<-r.Context().Done()
		default:
			_, _ = io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	tally := newSoakTally(time.Now())
	tally.begin(1, time.Now())
	d := &soakDialer{}
	stopped := soakLoop(ctx, newSoakClient(d), d, srv.URL, tally)
	rounds := tally.finish(stopped)
	if rounds[0].Requests != 4 || rounds[0].Failed != 1 {
		t.Errorf("round = %+v, want 4 requests, 1 failed", rounds[0])
	}
	if len(tally.Failed) != 1 || !strings.Contains(tally.Failed[0].What, "502 Bad Gateway") {
		t.Errorf("failures = %+v, want the status and the page", tally.Failed)
	}
}
