package docker_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// slowCheckAfter is how long slowCheckCompose's service takes to pass its
// healthcheck.
const slowCheckAfter = 15 * time.Second

const slowCheckCompose = `
services:
  slow:
    image: redis:7
    command: ["sh", "-c", "sleep 15 && touch /tmp/ready && exec redis-server"]
    healthcheck:
      test: ["CMD-SHELL", "test -f /tmp/ready"]
      interval: 30s
`

// Waiting for a service that passes its check only after 15 s, up runs the
// check in its container less and less often: the engine's own count of
// the execs is at most 50 (32 when this test was written). At the poll's
// cadence it is one exec per exec's own time and 50 ms: 85 then. The
// check passing is still what ends the wait (the engine's first
// healthcheck is 30 s away).
func TestUpPacesTheChecksOfASlowService(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, []byte(slowCheckCompose), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, ProjectName: e.project})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		t.Fatal(err)
	}
	e.cleanupProject(st)

	began := time.Now()
	res := e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	ended := time.Now()
	if len(res.Containers) != 1 || res.Containers[0].Health != "starting" && res.Containers[0].Health != "healthy" {
		t.Fatalf("up's containers: %+v, want slow's one, running", res.Containers)
	}
	if took := ended.Sub(began); took < slowCheckAfter {
		t.Fatalf("up returned after %s, before the check could pass (%s)", took, slowCheckAfter)
	}

	name := res.Containers[0].Name
	msgs, failed := e.api.Events(ctx, events.ListOptions{
		Since:   strconv.FormatInt(began.Add(-time.Second).Unix(), 10),
		Until:   strconv.FormatInt(ended.Add(time.Second).Unix(), 10),
		Filters: filters.NewArgs(filters.Arg("container", name), filters.Arg("event", "exec_start")),
	})
	execs := 0
	for done := false; !done; {
		select {
		case <-msgs:
			execs++
		case err := <-failed:
			// The stream of past events ends with EOF.
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatalf("read the engine's events: %v", err)
			}
			done = true
		}
	}
	if execs == 0 || execs > 50 {
		t.Errorf("the engine ran %d execs in %s while up waited for %s, want 1 to 50", execs, ended.Sub(began).Round(time.Millisecond), name)
	}
	t.Logf("%d execs in %s", execs, ended.Sub(began).Round(time.Millisecond))
}
