package docker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// testStack is the built-in stack with its app build context in a temporary
// directory, so context digests and builds need no repository checkout.
func testStack(t *testing.T) *stack.Stack {
	t.Helper()
	return stacktest.Builtin(t, stacktest.Options{AppDir: appDir(t), WebPort: "5000"})
}

func appDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// orchestrated is an orchestrator on the Docker backend for eng.
func orchestrated(eng Engine, reporter progress.Reporter) *orchestrator.Orchestrator {
	return orchestrator.New(New(eng, reporter), reporter)
}

// newTestOrchestrator probes every millisecond instead of every 50, so
// waits that take a few probes stay fast.
func newTestOrchestrator(f *fakeEngine, opts ...Option) *orchestrator.Orchestrator {
	b := New(f, nil, opts...)
	b.probeGap = time.Millisecond
	return orchestrator.New(b, nil)
}

// testContext bounds a test, so an orchestrator that hangs fails the test
// instead of the whole run.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustUp runs Up and fails the test if it fails.
func mustUp(t *testing.T, o *orchestrator.Orchestrator, st *stack.Stack) orchestrator.UpResult {
	t.Helper()
	res, err := o.Up(testContext(t), st, backend.UpOptions{})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	return res
}

type upOutcome struct {
	res orchestrator.UpResult
	err error
}

// goUp runs Up in the background and delivers its outcome.
func goUp(ctx context.Context, o *orchestrator.Orchestrator, st *stack.Stack, opts backend.UpOptions) <-chan upOutcome {
	done := make(chan upOutcome, 1)
	go func() {
		res, err := o.Up(ctx, st, opts)
		done <- upOutcome{res, err}
	}()
	return done
}

// position is the sequence number of event in events; the test fails if it
// never happened.
func position(t *testing.T, events []string, event string) int {
	t.Helper()
	i := slices.Index(events, event)
	if i < 0 {
		t.Fatalf("event %q never happened; events:\n%s", event, strings.Join(events, "\n"))
	}
	return i
}

// assertBefore checks that first happened, and happened before then.
func assertBefore(t *testing.T, events []string, first, then string) {
	t.Helper()
	if position(t, events, first) > position(t, events, then) {
		t.Errorf("%q happened after %q; events:\n%s", first, then, strings.Join(events, "\n"))
	}
}

// assertNever checks that no event starts with any of the prefixes.
func assertNever(t *testing.T, events []string, prefixes ...string) {
	t.Helper()
	for _, e := range events {
		for _, p := range prefixes {
			if strings.HasPrefix(e, p) {
				t.Errorf("unexpected event %q; events:\n%s", e, strings.Join(events, "\n"))
			}
		}
	}
}

// changes are the events that alter the engine's state: all but probes.
func changes(events []string) []string {
	return slices.DeleteFunc(slices.Clone(events), func(e string) bool { return strings.HasPrefix(e, "exec ") })
}

// backendOf is the Docker backend under o, for what only it knows.
func backendOf(o *orchestrator.Orchestrator) *Backend {
	return o.Backend.(*Backend)
}
