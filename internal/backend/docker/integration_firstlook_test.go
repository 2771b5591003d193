package docker_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// A service with no healthcheck that nothing waits on, whose container
// exits right after its start, fails up as Compose's up --wait fails it:
// naming the service, the exit code and the last lines of its log. One
// that exits 0 right away ran to completion, and up succeeds.
func TestUpIntegrationContainerThatExitsRightAfterItsStart(t *testing.T) {
	no := stack.RestartPolicy{Name: "no"}
	t.Run("non-zero", func(t *testing.T) {
		itgParallel(t)
		e := newItgEnv(t)
		ctx := enginetest.Context(t, 2*time.Minute)
		st := &stack.Stack{Project: e.project, Services: []stack.Service{
			killService("running", no, "redis-server"),
			killService("fail", no, "sh", "-c", `echo "fail: no configuration"; exit 111`),
		}}
		e.cleanupProject(st)
		_, err := e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
		var failed *backend.ServiceFailedError
		if !errors.As(err, &failed) {
			t.Fatalf("up: %v, want fail's failure", err)
		}
		t.Logf("up said: %v", err)
		if failed.Service != "fail" || failed.Reason != "exited with code 111" || !strings.Contains(failed.LogTail, "fail: no configuration") {
			t.Errorf("the failure names service %q, reason %q, log %q; want fail, exited with code 111 and its log line",
				failed.Service, failed.Reason, failed.LogTail)
		}
	})
	t.Run("zero", func(t *testing.T) {
		itgParallel(t)
		e := newItgEnv(t)
		ctx := enginetest.Context(t, 2*time.Minute)
		st := &stack.Stack{Project: e.project, Services: []stack.Service{killService("done", no, "sh", "-c", "echo done")}}
		e.cleanupProject(st)
		if _, err := e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute}); err != nil {
			t.Fatalf("up of a service that ran to completion: %v", err)
		}
	})
}
