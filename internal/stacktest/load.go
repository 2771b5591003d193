package stacktest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadGap is the pause between two requests of one client.
const loadGap = 5 * time.Millisecond

// loadMax bounds a load a test forgets to stop.
const loadMax = 8 * time.Minute

// HTTPLoad sends GET url from several clients, each a request every 5 ms,
// until stopped, counting every failure: an error, a status but 200, or
// no answer within 5 s.
type HTTPLoad struct {
	url        string
	ok, failed atomic.Int64
	stop       chan struct{}
	wg         sync.WaitGroup

	mu       sync.Mutex
	failures []string // the first ten
	// longestGap is the longest a client waited between two answers.
	longestGap time.Duration
}

// LoadTally is what an HTTPLoad saw.
type LoadTally struct {
	OK, Failed int64
	// Failures are the first ten, each with its time.
	Failures   []string
	LongestGap time.Duration
}

// StartHTTPLoad starts clients clients requesting url.
func StartHTTPLoad(url string, clients int) *HTTPLoad {
	l := &HTTPLoad{url: url, stop: make(chan struct{})}
	for range clients {
		l.wg.Go(l.client)
	}
	return l
}

func (l *HTTPLoad) client() {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(loadMax)
	lastOK := time.Now()
	for time.Now().Before(deadline) {
		select {
		case <-l.stop:
			return
		case <-time.After(loadGap):
		}
		resp, err := client.Get(l.url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d: %.80q", resp.StatusCode, body)
			}
		}
		l.mu.Lock()
		if err != nil {
			l.failed.Add(1)
			if len(l.failures) < 10 {
				l.failures = append(l.failures, time.Now().Format("15:04:05.000")+" "+err.Error())
			}
		} else {
			l.ok.Add(1)
			l.longestGap = max(l.longestGap, time.Since(lastOK))
			lastOK = time.Now()
		}
		l.mu.Unlock()
	}
}

// Answered is how many requests have been answered 200 so far.
func (l *HTTPLoad) Answered() int64 { return l.ok.Load() }

// Stop stops the clients and says what they saw, judging nothing.
func (l *HTTPLoad) Stop() LoadTally {
	close(l.stop)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return LoadTally{OK: l.ok.Load(), Failed: l.failed.Load(), Failures: append([]string(nil), l.failures...), LongestGap: l.longestGap}
}

// Finish stops the clients and fails the test when no request was
// answered or any failed.
func (l *HTTPLoad) Finish(t testing.TB, during string) LoadTally {
	t.Helper()
	tally := l.Stop()
	if tally.OK == 0 {
		t.Errorf("%s: no request to %s was answered", during, l.url)
	}
	if tally.Failed > 0 {
		t.Errorf("%s: %d of %d requests to %s failed: %s", during, tally.Failed, tally.OK+tally.Failed, l.url, strings.Join(tally.Failures, "; "))
	}
	t.Logf("%s: %d requests, %d failed, longest gap between answers %s", during, tally.OK+tally.Failed, tally.Failed, tally.LongestGap.Round(time.Millisecond))
	return tally
}
