package docker_test

// Integration tests of Logs against the real engine: following a container
// through its restarts, and leaving out the services with attach: false.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// logSink collects what Logs writes and wakes a waiter on every write.
type logSink struct {
	mu    sync.Mutex
	text  strings.Builder
	wrote chan struct{}
}

func newLogSink() *logSink { return &logSink{wrote: make(chan struct{}, 1)} }

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.text.Write(p)
	s.mu.Unlock()
	select {
	case s.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

// lines are the complete lines written so far.
func (s *logSink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	text := s.text.String()
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		return strings.Split(text[:i], "\n")
	}
	return nil
}

// waitFor returns once a written line is want, and fails the test with
// what was written when timeout passes first.
func (s *logSink) waitFor(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !slices.Contains(s.lines(), want) {
		select {
		case <-s.wrote:
		case <-deadline.C:
			t.Fatalf("no line %q within %s; the logs so far:\n%s", want, timeout, strings.Join(s.lines(), "\n"))
		}
	}
}

// TestLogsFollowsAContainerThroughItsRestarts follows a service whose
// process logs "boot N" on its N-th start, and crashes it twice: the engine
// ends a follow when the process dies, and Logs goes on with the restarted
// one, each line once.
func TestLogsFollowsAContainerThroughItsRestarts(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	// /tmp keeps the count across restarts: a restart keeps the container.
	boots := `n=$(cat /tmp/boots 2>/dev/null || echo 0); n=$((n+1)); echo $n >/tmp/boots; echo "boot $n"; exec redis-server`
	st := e.killUp(ctx,
		killService("server", stack.RestartPolicy{Name: "always"}, "sh", "-c", boots),
		killService("other", stack.RestartPolicy{Name: "always"}, "sh", "-c", `echo "other up"; exec redis-server`))
	server := e.killContainer(ctx, st, "server")
	prefix := server.Name + " | "

	followCtx, stopFollowing := context.WithCancel(ctx)
	defer stopFollowing()
	sink := newLogSink()
	done := make(chan error, 1)
	go func() {
		done <- e.orch.Logs(followCtx, st, backend.LogsOptions{Services: []string{"server"}, Follow: true, Tail: -1}, sink)
	}()
	sink.waitFor(t, prefix+"boot 1", 30*time.Second)

	for n := 2; n <= 3; n++ {
		report, err := e.orch.Crash(ctx, st, backend.CrashOptions{Service: "server", WaitTimeout: time.Minute})
		if err != nil {
			t.Fatalf("crash %d: %v (report %+v)", n-1, err, report)
		}
		sink.waitFor(t, fmt.Sprintf("%sboot %d", prefix, n), 30*time.Second)
	}
	select {
	case err := <-done:
		t.Fatalf("Logs stopped following while the container runs: %v", err)
	default:
	}
	stopFollowing()
	if err := <-done; err != nil {
		t.Errorf("Logs after the reader stopped following: %v, want nil", err)
	}

	var bootLines []string
	for _, line := range sink.lines() {
		if !strings.HasPrefix(line, prefix) {
			t.Errorf("line %q is not server's (prefix %q): the service filter lets another container through", line, prefix)
		}
		if strings.HasPrefix(line, prefix+"boot ") {
			bootLines = append(bootLines, line)
		}
	}
	if want := []string{prefix + "boot 1", prefix + "boot 2", prefix + "boot 3"}; !slices.Equal(bootLines, want) {
		t.Errorf("the followed boot lines are %q, want each start's once, in order: %q", bootLines, want)
	}
}

// `stackctl logs` leaves out the output of a service with attach: false
// unless it is named, as `docker compose logs` does.
func TestLogsLeavesOutServicesWithAttachFalse(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, []byte(`services:
  loud:
    image: redis:7
    command: ["sh", "-c", "echo loud-line; exec sleep 600"]
  quiet:
    image: redis:7
    attach: false
    command: ["sh", "-c", "echo quiet-line; exec sleep 600"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := itgBuildCLI(t, e.project, nil)
	t.Cleanup(func() {
		if _, stderr, err := cli.run(context.WithoutCancel(ctx), "-f", file, "down", "-v", "-t", "0"); err != nil {
			t.Errorf("down: %v\n%s", err, stderr)
		}
	})
	cli.mustRun(t, ctx, "-f", file, "up")
	enginetest.Eventually(t, 30*time.Second, "both services' lines logged", func() error {
		if out, _ := cli.mustRun(t, ctx, "-f", file, "logs", "quiet", "loud"); !strings.Contains(out, "quiet-line") || !strings.Contains(out, "loud-line") {
			return fmt.Errorf("logs quiet loud = %q", out)
		}
		return nil
	})
	if out, _ := cli.mustRun(t, ctx, "-f", file, "logs"); !strings.Contains(out, "loud-line") || strings.Contains(out, "quiet-line") {
		t.Errorf("logs = %q, want loud's line and not quiet's", out)
	}
	if out, _ := cli.mustRun(t, ctx, "-f", file, "logs", "quiet"); !strings.Contains(out, "quiet-line") {
		t.Errorf("logs quiet = %q, want quiet's line: named, it is shown", out)
	}
}

// versionedApp logs its version when it starts, then sleeps.
const versionedApp = `
services:
  app:
    image: busybox:latest
    init: true
    command: ["sh", "-c", "echo version %s; exec sleep 3600"]
`

// Following, Logs takes on a container that replaces the one it follows
// (an up after a change, as watch's rebuild does), from its first line,
// and ends by itself once down has removed every container it could
// follow.
func TestLogsFollowTakesOnTheReplacementAndEndsAfterDown(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	v1, _ := e.composeStack(ctx, fmt.Sprintf(versionedApp, "1"))
	e.up(ctx, v1, backend.UpOptions{})
	prefix := e.project + "-app-1 | "

	sink := newLogSink()
	done := make(chan error, 1)
	go func() {
		done <- e.orch.Logs(ctx, v1, backend.LogsOptions{Follow: true, Tail: -1}, sink)
	}()
	sink.waitFor(t, prefix+"version 1", 30*time.Second)

	v2, _ := e.writeAndLoad(ctx, fmt.Sprintf(versionedApp, "2"))
	before := e.inspect(ctx, e.project+"-app-1").ID
	e.up(ctx, v2, backend.UpOptions{})
	if after := e.inspect(ctx, e.project+"-app-1").ID; after == before {
		t.Fatalf("up kept container %s: the change did not replace it", after)
	}
	sink.waitFor(t, prefix+"version 2", 30*time.Second)
	select {
	case err := <-done:
		t.Fatalf("Logs stopped following after the replacement: %v", err)
	default:
	}

	if err := e.orch.Down(ctx, v2, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Logs after down: %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Logs still follows 30s after down removed every container")
	}
	if got := strings.Count(strings.Join(sink.lines(), "\n"), "version "); got != 2 {
		t.Errorf("%d version lines, want each container's once:\n%s", got, strings.Join(sink.lines(), "\n"))
	}
}
