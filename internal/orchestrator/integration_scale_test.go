package orchestrator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// rollEnv is one scaled stack on the real engine, built from a private copy
// of app/ so the test can change the build context.
type rollEnv struct {
	t       *testing.T
	cli     *engine.Client
	orch    *orchestrator.Orchestrator
	project string
	appDir  string
}

func newRollEnv(t *testing.T) *rollEnv {
	t.Helper()
	cli := enginetest.Connect(t)
	e := &rollEnv{t: t, cli: cli, orch: orchestrator.New(cli, rollLog{t}), project: enginetest.ProjectName(t), appDir: rollCopyApp(t)}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		st := e.stack(1)
		if err := e.orch.Down(ctx, st, orchestrator.DownOptions{Volumes: true, Timeout: time.Second}); err != nil {
			t.Errorf("clean up project %s: %v", e.project, err)
		}
		web, _ := st.Service("web")
		if err := e.cli.ImageRemove(ctx, web.Image); err != nil && !errors.Is(err, engine.ErrNotFound) {
			t.Logf("clean up image %s: %v", web.Image, err)
		}
	})
	return e
}

func (e *rollEnv) stack(replicas int) *stack.Stack {
	return stacktest.Builtin(e.t, stacktest.Options{
		Project: e.project, AppDir: e.appDir,
		Shape: stack.Shape{Scale: map[string]int{"web": replicas}, Edge: true},
	})
}

func (e *rollEnv) up(ctx context.Context, replicas int, opts orchestrator.UpOptions) (orchestrator.UpResult, error) {
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 90 * time.Second
	}
	return e.orch.Up(ctx, e.stack(replicas), opts)
}

func (e *rollEnv) mustUp(ctx context.Context, replicas int) orchestrator.UpResult {
	e.t.Helper()
	res, err := e.up(ctx, replicas, orchestrator.UpOptions{})
	if err != nil {
		e.t.Fatalf("up with %d web replicas: %v", replicas, err)
	}
	return res
}

// rollLog shows the orchestrator's progress in the test's log, so a failure
// comes with the sequence that led to it.
type rollLog struct{ t *testing.T }

func (l rollLog) Report(e progress.Event) {
	l.t.Logf("%s %-28s %s %s", e.Time.Format("15:04:05.000"), e.Resource, e.Status, e.Detail)
}

// rollCopyApp copies the repository's app/ to a temporary build context.
func rollCopyApp(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs("../../app")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy app/: %v", err)
	}
	return dst
}

// rewrite replaces old with new in a file of the copied app: a source
// change, as a developer makes one.
func (e *rollEnv) rewrite(file, old, new string) {
	e.t.Helper()
	path := filepath.Join(e.appDir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		e.t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func rollEdgePort(t *testing.T, res orchestrator.UpResult) int {
	t.Helper()
	for _, c := range res.Containers {
		if c.Service == "web-edge" {
			for _, p := range c.Ports {
				if p.HostPort != 0 {
					return p.HostPort
				}
			}
		}
	}
	t.Fatalf("the edge publishes no port: %+v", res.Containers)
	return 0
}

func rollWebReplicas(res orchestrator.UpResult) []string {
	var names []string
	for _, c := range res.Containers {
		if c.Service == "web" {
			names = append(names, c.Name)
		}
	}
	return names
}

var servedBy = regexp.MustCompile(`served_by=(\S+)`)

// rollLoad sends requests to the edge until stopped: one at a time, on
// loopback, bounded in count and time, counting every failure.
type rollLoad struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	failures   []string
	// longestGap is the longest time between two successful answers.
	longestGap time.Duration
	stop       chan struct{}
	done       chan struct{}
}

func startLoad(port int) *rollLoad {
	l := &rollLoad{stop: make(chan struct{}), done: make(chan struct{})}
	client := &http.Client{Timeout: 5 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	go func() {
		defer close(l.done)
		deadline := time.Now().Add(5 * time.Minute)
		lastOK := time.Now()
		for i := 0; i < 200000 && time.Now().Before(deadline); i++ {
			select {
			case <-l.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			resp, err := client.Get(url)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil {
				l.failed.Add(1)
				l.mu.Lock()
				if len(l.failures) < 10 {
					l.failures = append(l.failures, time.Now().Format("15:04:05.000")+" "+err.Error())
				}
				l.mu.Unlock()
				continue
			}
			l.ok.Add(1)
			l.mu.Lock()
			l.longestGap = max(l.longestGap, time.Since(lastOK))
			l.mu.Unlock()
			lastOK = time.Now()
		}
	}()
	return l
}

// finish stops the loop and fails the test on any failed request.
func (l *rollLoad) finish(t *testing.T, during string) {
	t.Helper()
	close(l.stop)
	<-l.done
	if l.ok.Load() == 0 {
		t.Errorf("%s: the load loop got no answer at all", during)
	}
	if n := l.failed.Load(); n > 0 {
		t.Errorf("%s: %d of %d requests failed: %s", during, n, n+l.ok.Load(), strings.Join(l.failures, "; "))
	}
	t.Logf("%s: %d requests, none failed, longest gap between answers %s", during, l.ok.Load(), l.longestGap.Round(time.Millisecond))
}

func TestScaleBehindTheEdgeSpreadsRequestsAndDropsNone(t *testing.T) {
	e := newRollEnv(t)
	ctx := enginetest.Context(t, 10*time.Minute)

	res := e.mustUp(ctx, 1)
	port := rollEdgePort(t, res)
	for _, step := range []int{3, 2, 3} {
		load := startLoad(port)
		res = e.mustUp(ctx, step)
		load.finish(t, fmt.Sprintf("scaling web to %d", step))

		replicas := rollWebReplicas(res)
		if len(replicas) != step {
			t.Fatalf("after scaling to %d: web replicas %v", step, replicas)
		}
		conf := e.edgeConfig(ctx)
		if got := strings.Count(conf, "max_fails="); got != step {
			t.Errorf("after scaling to %d: the upstream lists %d servers:\n%s", step, got, conf)
		}
		seen := map[string]int{}
		client := &http.Client{Timeout: 5 * time.Second}
		for range 60 {
			resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
			if err != nil {
				t.Fatalf("GET through the edge: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if m := servedBy.FindSubmatch(body); m != nil {
				seen[string(m[1])]++
			}
		}
		for _, name := range replicas {
			if seen[name] == 0 {
				t.Errorf("after scaling to %d: replica %s served none of 60 requests (spread: %v)", step, name, seen)
			}
		}
	}

	again, err := e.up(ctx, 3, orchestrator.UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed {
		t.Errorf("scaling to the same number changed something")
	}
}

func TestRollingUpdateDropsNoRequestAndRollsBackABrokenImage(t *testing.T) {
	e := newRollEnv(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	res := e.mustUp(ctx, 3)
	port := rollEdgePort(t, res)
	before := map[string]string{}
	for _, c := range res.Containers {
		if c.Service == "web" {
			before[c.Name] = c.ID
		}
	}

	e.rewrite("internal/server/handlers.go", `"Hello from the Go app`, `"Howdy from the Go app`)
	load := startLoad(port)
	began := time.Now()
	res = e.mustUp(ctx, 3)
	load.finish(t, "rolling update")
	t.Logf("rolling update of 3 replicas (build included) took %s", time.Since(began).Round(time.Millisecond))
	for _, c := range res.Containers {
		if c.Service == "web" && before[c.Name] == c.ID {
			t.Errorf("replica %s was not replaced by the rolling update", c.Name)
		}
	}
	if body := rollGet(t, port); !strings.HasPrefix(body, "Howdy") {
		t.Errorf("after the rolling update the edge serves %q, want the new greeting", body)
	}
	updated := map[string]string{}
	for _, c := range res.Containers {
		if c.Service == "web" {
			updated[c.Name] = c.ID
		}
	}

	// New code whose server cannot start (the migration still works): the
	// update must stop at the first replica, put it back, and keep every
	// old replica serving.
	e.rewrite("serve.go", "func serve(ctx context.Context, log *slog.Logger) error {",
		"func serve(ctx context.Context, log *slog.Logger) error {\n\tif true {\n\t\treturn fmt.Errorf(\"deliberately broken\")\n\t}")
	load = startLoad(port)
	_, err := e.up(ctx, 3, orchestrator.UpOptions{WaitTimeout: 60 * time.Second})
	load.finish(t, "failed rolling update")
	if err == nil {
		t.Fatal("up with a broken image succeeded")
	}
	t.Logf("the broken rollout said: %v", err)
	if !strings.Contains(err.Error(), e.project+"-web-") || !strings.Contains(err.Error(), "deliberately broken") {
		t.Errorf("the error does not name the failing replica and show its log: %v", err)
	}
	if body := rollGet(t, port); !strings.HasPrefix(body, "Howdy") {
		t.Errorf("after the rollback the edge serves %q, want the previous version", body)
	}
	after, err := e.orch.PS(ctx, e.stack(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range after {
		if c.Service != "web" {
			continue
		}
		if updated[c.Name] != c.ID || c.State != "running" {
			t.Errorf("after the rollback %s is %s (%s), want the previous container %s running", c.Name, c.ID, c.State, updated[c.Name])
		}
	}
	if got := len(rollWebReplicas(orchestrator.UpResult{Containers: after})); got != 3 {
		t.Errorf("after the rollback there are %d web containers, want 3", got)
	}
}

func rollGet(t *testing.T, port int) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		t.Fatalf("GET through the edge: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func (e *rollEnv) edgeConfig(ctx context.Context) string {
	e.t.Helper()
	st := e.stack(1)
	edge, _ := st.Service("web-edge")
	res, err := e.cli.Exec(ctx, st.ContainerName(edge, 1), []string{"cat", "/etc/nginx/conf.d/default.conf"})
	if err != nil || res.ExitCode != 0 {
		e.t.Fatalf("read the edge's config: %v %s", err, res.Output)
	}
	return res.Output
}
