package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

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
