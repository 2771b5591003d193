package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// successGaps tracks the longest time between two successful answers, or
// between the start or end of the watch and the nearest one: the redeploy's
// client loop and the soak's count it the same way.
type successGaps struct {
	lastOK  time.Time
	Longest time.Duration
}

func newSuccessGaps(start time.Time) successGaps { return successGaps{lastOK: start} }

// ok notes a successful answer at now and returns the gap it closes.
func (g *successGaps) ok(now time.Time) time.Duration {
	gap := now.Sub(g.lastOK)
	g.Longest = max(g.Longest, gap)
	g.lastOK = now
	return gap
}

// end closes the watch at now: the time since the last success is a gap too.
func (g *successGaps) end(now time.Time) {
	g.Longest = max(g.Longest, now.Sub(g.lastOK))
}

// SoakEvent is one failed request or one retried connection attempt of the
// soak's client, with what went wrong.
type SoakEvent struct {
	At    time.Time `json:"at"`
	Round int       `json:"round"`
	// After is seconds since the round's rolling update began.
	After float64 `json:"after_s"`
	What  string  `json:"what"`
}

// SoakRound is what the client saw during one rolling update: from the
// start of its `up` until the next round's began (the last round: until
// the client stopped, once web had answered after the command returned).
type SoakRound struct {
	Round int       `json:"round"`
	Began time.Time `json:"began"`
	// Took is the `up` command's time, in seconds.
	Took     float64 `json:"took_s"`
	Requests int     `json:"requests"`
	Failed   int     `json:"failed"`
	// LongestGap is in seconds: the longest time between two successful
	// answers that ended in this round (or the round's end, for the last).
	LongestGap float64 `json:"longest_gap_s"`
	// DialRetries counts connection attempts that timed out and were made
	// again within the same request (see soakDialer); not failures.
	DialRetries int `json:"dial_retries"`
}

// soakTallyEventCap bounds the events a tally keeps per kind: a soak that
// goes badly wrong should not fill memory with the same error.
const soakTallyEventCap = 1000

// soakTally counts the soak client's requests into the round that was
// running when each ended. It is safe for the client loop and the
// runner to use at once.
type soakTally struct {
	mu      sync.Mutex
	rounds  []SoakRound
	gaps    successGaps
	Failed  []SoakEvent
	Retries []SoakEvent
	// Dropped counts events not kept beyond soakTallyEventCap.
	Dropped int
}

func newSoakTally(start time.Time) *soakTally {
	return &soakTally{gaps: newSuccessGaps(start)}
}

// begin starts round n at the given time; later requests count in it.
func (t *soakTally) begin(n int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rounds = append(t.rounds, SoakRound{Round: n, Began: at})
}

// took records round n's command time.
func (t *soakTally) took(n int, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.round(n); r != nil {
		r.Took = d.Seconds()
	}
}

func (t *soakTally) round(n int) *SoakRound {
	for i := range t.rounds {
		if t.rounds[i].Round == n {
			return &t.rounds[i]
		}
	}
	return nil
}

// soakResult is one request's outcome: ok, or why not, and the connection
// attempts it retried.
type soakResult struct {
	at      time.Time
	ok      bool
	failure string
	retries []soakRetry
}

type soakRetry struct {
	at  time.Time
	err string
}

// observe counts one request that ended at res.at. Requests sent before
// the first round began count nowhere.
func (t *soakTally) observe(res soakResult) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.rounds) == 0 {
		return
	}
	r := &t.rounds[len(t.rounds)-1]
	r.Requests++
	r.DialRetries += len(res.retries)
	for _, retry := range res.retries {
		t.keep(&t.Retries, SoakEvent{At: retry.at, Round: r.Round, After: retry.at.Sub(r.Began).Seconds(), What: retry.err})
	}
	if res.ok {
		r.LongestGap = max(r.LongestGap, t.gaps.ok(res.at).Seconds())
		return
	}
	r.Failed++
	t.keep(&t.Failed, SoakEvent{At: res.at, Round: r.Round, After: res.at.Sub(r.Began).Seconds(), What: res.failure})
}

func (t *soakTally) keep(events *[]SoakEvent, e SoakEvent) {
	if len(*events) >= soakTallyEventCap {
		t.Dropped++
		return
	}
	*events = append(*events, e)
}

// lastOK is when the client last had a successful answer.
func (t *soakTally) lastOK() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gaps.lastOK
}

// finish ends the watch at the given time and returns every round.
func (t *soakTally) finish(at time.Time) []SoakRound {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.rounds); n > 0 {
		before := t.gaps.Longest
		t.gaps.end(at)
		if t.gaps.Longest > before {
			t.rounds[n-1].LongestGap = max(t.rounds[n-1].LongestGap, t.gaps.Longest.Seconds())
		}
	}
	out := make([]SoakRound, len(t.rounds))
	copy(out, t.rounds)
	return out
}

// soakDialer connects as the probes do: each attempt gives up after
// probeDialTimeout, and one that timed out is made again at once, within
// the request's own deadline. A SYN lost while the engine rewires its
// network would otherwise cost TCP's one-second retransmission; a timed-out
// attempt is the same retransmission, sooner. Any other dial error (a
// refused connection: nothing listens) fails the request.
type soakDialer struct {
	mu      sync.Mutex
	retries []soakRetry
}

func (d *soakDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	for {
		dialer := net.Dialer{Timeout: probeDialTimeout}
		conn, err := dialer.DialContext(ctx, network, addr)
		if err == nil || ctx.Err() != nil || !isTimeout(err) {
			return conn, err
		}
		d.mu.Lock()
		d.retries = append(d.retries, soakRetry{at: time.Now(), err: err.Error()})
		d.mu.Unlock()
	}
}

// take returns the retries since the last call.
func (d *soakDialer) take() []soakRetry {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.retries
	d.retries = nil
	return out
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// newSoakClient is newWebClient dialing through d.
func newSoakClient(d *soakDialer) *http.Client {
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil, DialContext: d.DialContext},
	}
}

// soakGet sends one GET url and says what went wrong, if anything: the
// error, or the status with the start of the body (the edge's error page
// names the cause).
func soakGet(ctx context.Context, client *http.Client, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Sprintf("HTTP %s: %s", resp.Status, oneLine(string(body), 120))
	}
	if readErr != nil {
		return false, "HTTP 200, reading the body: " + readErr.Error()
	}
	return true, ""
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
