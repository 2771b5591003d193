package docker

import (
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// TestKillCrashRestartedBeforeFirstLookKeepsExitCode: the engine resets a
// container's ExitCode to 0 when its restart policy starts it again (seen on
// the real engine: `kill -9` of an "always" redis, then inspect shows
// running, exit 0, RestartCount 1). When the restart happens before Crash's
// first inspect after the kill, the dead run's code is gone, and the
// timeline must not claim the crash exited 0.
func TestKillCrashRestartedBeforeFirstLookKeepsExitCode(t *testing.T) {
	f := newFakeEngine()
	bin := stacktest.StaticStackctl(t)
	o := newTestOrchestrator(f, WithCrashHelper(bin))
	st := &stack.Stack{Project: "p", Services: []stack.Service{{
		Name: "server", Image: "redis:7", Command: []string{"redis-server"},
		Restart: stack.RestartPolicy{Name: "always"}, Replicas: 1,
	}}}
	mustUp(t, o, st)
	svc, _ := st.Service("server")
	name := st.ContainerName(svc, 1)
	f.set(name, func(c *engine.Container) { c.Pid = 4242 })

	// The fake engine is remote, so Crash kills from a helper container;
	// by the time the helper has exited, the engine has already restarted
	// the target, as a fast engine does within ~100 ms.
	f.onStart[name+"-crasher"] = crashHelper(f)

	report, err := o.Crash(testContext(t), st, backend.CrashOptions{Service: "server", WaitTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("crash: %v", err)
	}
	if len(report.Timeline) != 2 || !strings.HasPrefix(report.Timeline[1].What, `restarted by policy "always" (restart #1)`) {
		t.Fatalf("timeline %+v, want crashed then restarted #1", report.Timeline)
	}
	checkHelpers(t, f, st, name, bin, 4242)
	if crashed := report.Timeline[0].What; strings.Contains(crashed, "exit 0") {
		t.Errorf("first milestone %q says the SIGKILLed process exited 0: that is the restarted run's reset code, not the crash's", crashed)
	}
}
