package apptest_test

// Benchmarks of GET / against a running stack: the real image, PostgreSQL
// and Redis, over the published port on 127.0.0.1 with keep-alive. Each
// GET / commits a visit, so this measures the app's write path end to end.
//
// The stack is started once, by the first benchmark that needs it, and
// shared by both (the testing package calls a benchmark function more than
// once); TestMain takes it down after the run.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

var benchStack struct {
	once sync.Once
	s    *appStack
	err  error
}

// benchEnv returns the shared benchmark stack, starting it on first use.
func benchEnv(b *testing.B) *appStack {
	b.Helper()
	connect(b) // skips unless opted in; fails then without an engine
	benchStack.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		// Its own client: connect's closes when this benchmark run ends,
		// and the stack outlives it.
		cli, err := engine.New(ctx)
		if err != nil {
			benchStack.err = err
			return
		}
		project := enginetest.ProjectName(b)
		benchStack.s, benchStack.err = launch(ctx, cli, project, b.Logf)
		if benchStack.s == nil {
			_ = cli.Close()
		}
	})
	if benchStack.err != nil {
		b.Fatalf("benchmark stack: %v", benchStack.err)
	}
	return benchStack.s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if s := benchStack.s; s != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		if err := s.teardown(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "benchmark stack cleanup: %v\n", err)
			code = 1
		}
		cancel()
		_ = s.cli.Close()
	}
	os.Exit(code)
}

// benchClient is a keep-alive client for 127.0.0.1 that counts the TCP
// connections it opens.
func benchClient(conns int, dials *atomic.Int64) *http.Client {
	c := newHTTPClient(conns)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	c.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}
	return c
}

// getRoot sends one GET / and reads the whole answer, which must be 200.
func getRoot(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET / = %d", resp.StatusCode)
	}
	return nil
}

// reportLatency adds throughput and latency percentiles to the benchmark's
// results.
func reportLatency(b *testing.B, n int, elapsed time.Duration, durations []time.Duration, dials int64) {
	b.Helper()
	if len(durations) == 0 || elapsed <= 0 {
		return
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		i := int(float64(len(durations))*p+0.5) - 1
		i = min(max(i, 0), len(durations)-1)
		return float64(durations[i].Microseconds()) / 1000
	}
	b.ReportMetric(float64(n)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(dials), "conns")
}

// BenchmarkGetRoot sends b.N sequential GET / over one keep-alive
// connection.
func BenchmarkGetRoot(b *testing.B) {
	s := benchEnv(b)
	var dials atomic.Int64
	c := benchClient(1, &dials)
	defer c.CloseIdleConnections()
	url := s.url("/")
	if err := getRoot(c, url); err != nil { // connect, and warm the app's pools
		b.Fatal(err)
	}
	dials.Store(0)
	durations := make([]time.Duration, 0, b.N)

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		if err := getRoot(c, url); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatency(b, b.N, elapsed, durations, dials.Load())
}

// BenchmarkGetRootParallel sends b.N GET / from 4×GOMAXPROCS goroutines,
// each on its own keep-alive connection.
func BenchmarkGetRootParallel(b *testing.B) {
	s := benchEnv(b)
	const perProc = 4
	b.SetParallelism(perProc)
	workers := perProc * runtime.GOMAXPROCS(0)
	var dials atomic.Int64
	c := benchClient(workers, &dials)
	defer c.CloseIdleConnections()
	url := s.url("/")
	if err := getRoot(c, url); err != nil {
		b.Fatal(err)
	}
	dials.Store(0)

	var (
		mu  sync.Mutex
		all = make([]time.Duration, 0, b.N)
	)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 256)
		for pb.Next() {
			t0 := time.Now()
			if err := getRoot(c, url); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(t0))
		}
		mu.Lock()
		all = append(all, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatency(b, len(all), elapsed, all, dials.Load())
}
