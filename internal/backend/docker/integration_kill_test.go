package docker_test

// Integration tests of issue 5, `stackctl kill`: a real crash (SIGKILL to
// the container's main process from outside the engine's API), the restart
// policy bringing the container back, and the app riding through a database
// crash. They run against the real engine, each under its own project.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/docker"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// killImage is the image of the hand-built stacks: it has sh, sleep and
// kill, and redis-server for a long-running server.
const killImage = "redis:7"

// killCrashed is the first milestone of a crash by SIGKILL.
const killCrashed = "crashed (SIGKILL, exit 137)"

// killRestarted is the milestone of the first restart by policy.
func killRestarted(policy string) string {
	return fmt.Sprintf("restarted by policy %q (restart #1)", policy)
}

// killDirectMethod is how a crash report names a SIGKILL sent straight to
// the container's host PID, the path for a local engine.
func killDirectMethod(pid int) string {
	return fmt.Sprintf("SIGKILL to host PID %d", pid)
}

// killHelperMethod is how it names one sent from a helper container in
// the host's PID namespace, the path for a remote engine.
func killHelperMethod(pid int) string {
	return fmt.Sprintf("SIGKILL to host PID %d from a helper container", pid)
}

// killMethod is the method a crash of container id takes, asked while its
// process lives: direct when the PID the engine gives is this machine's
// (its cgroup names the container), from a helper container when the
// engine's PIDs are another namespace's (an engine in a container, as make
// test-current runs).
func killMethod(pid int, id string) string {
	cgroup, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err == nil && strings.Contains(string(cgroup), id) {
		return killDirectMethod(pid)
	}
	return killHelperMethod(pid)
}

// killService is a one-replica service of killImage.
func killService(name string, policy stack.RestartPolicy, cmd ...string) stack.Service {
	return stack.Service{
		Name: name, Image: killImage, Command: cmd, Restart: policy,
		Replicas: 1, StopGracePeriod: time.Second,
	}
}

// killUp brings a hand-built stack of services up under the test's project,
// and takes it down when the test ends.
func (e *itgEnv) killUp(ctx context.Context, services ...stack.Service) *stack.Stack {
	e.t.Helper()
	st := &stack.Stack{Project: e.project, Services: services}
	e.cleanupProject(st)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	return st
}

// killContainer is the one container of service, as PS lists it.
func (e *itgEnv) killContainer(ctx context.Context, st *stack.Stack, service string) backend.ContainerStatus {
	e.t.Helper()
	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		e.t.Fatalf("ps: %v", err)
	}
	var out []backend.ContainerStatus
	for _, c := range ps {
		if c.Service == service {
			out = append(out, c)
		}
	}
	if len(out) != 1 {
		e.t.Fatalf("service %s has %d containers, want 1: %+v", service, len(out), ps)
	}
	return out[0]
}

// killWhats lists the milestones of a crash report, in order.
func killWhats(r backend.CrashReport) []string {
	out := make([]string, 0, len(r.Timeline))
	for _, m := range r.Timeline {
		out = append(out, m.What)
	}
	return out
}

// killCheckTimeline checks the report's milestones are exactly want, in
// order, each timed no earlier than the one before.
func killCheckTimeline(t *testing.T, r backend.CrashReport, want ...string) {
	t.Helper()
	if got := killWhats(r); !slices.Equal(got, want) {
		t.Errorf("crash timeline %q, want %q", got, want)
	}
	for i := 1; i < len(r.Timeline); i++ {
		if r.Timeline[i].After < r.Timeline[i-1].After {
			t.Errorf("milestone %q at +%s comes before the previous %q at +%s", r.Timeline[i].What, r.Timeline[i].After, r.Timeline[i-1].What, r.Timeline[i-1].After)
		}
	}
}

// killWaitState polls the container until ok accepts it, and fails the
// test with the last state seen when timeout passes first.
func (e *itgEnv) killWaitState(ctx context.Context, id string, timeout time.Duration, what string, ok func(engine.Container) bool) engine.Container {
	e.t.Helper()
	var c engine.Container
	enginetest.Eventually(e.t, timeout, what, func() error {
		c = e.inspect(ctx, id)
		if ok(c) {
			return nil
		}
		return fmt.Errorf("container %s is %s, exit %d, restart count %d", c.Name, c.Status, c.ExitCode, c.RestartCount)
	})
	return c
}

// killStaysExited checks, over two seconds, that the container stays
// exited with exit code exit (any when negative) and restart count restarts. A restart policy
// that was going to bring it back would have within a few hundred
// milliseconds.
func (e *itgEnv) killStaysExited(ctx context.Context, id string, exit, restarts int) {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		c := e.inspect(ctx, id)
		if c.Status != "exited" || exit >= 0 && c.ExitCode != exit || c.RestartCount != restarts {
			e.t.Fatalf("container %s is %s (exit %d, restart count %d, started %s), want it to stay exited with exit %d and restart count %d",
				c.Name, c.Status, c.ExitCode, c.RestartCount, c.StartedAt.Format(time.RFC3339Nano), exit, restarts)
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// killVisitRows counts the rows of the visits table, with psql in the db
// container.
func (e *itgEnv) killVisitRows(ctx context.Context, dbID string) int {
	e.t.Helper()
	res, err := e.cli.Exec(ctx, dbID, []string{"psql", "-U", "appuser", "-d", "appdb", "-tAc", "select count(*) from visits"})
	if err != nil || res.ExitCode != 0 {
		e.t.Fatalf("count visits with psql: %v, exit %d: %s", err, res.ExitCode, res.Output)
	}
	n, err := strconv.Atoi(strings.TrimSpace(res.Output))
	if err != nil {
		e.t.Fatalf("psql counted %q visits: %v", res.Output, err)
	}
	return n
}

// TestCrashDBWhileVisiting crashes PostgreSQL under a sequential client
// loop writing visits through web: the policy "always" brings db back,
// web rides through without being restarted and serves again, and no
// acknowledged visit is lost.
func TestCrashDBWhileVisiting(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)
	e.up(ctx, st, backend.UpOptions{WaitTimeout: 3 * time.Minute})

	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	before := itgByService(t, ps)
	db, web := before["db"], before["web"]
	// Read while db's process lives: its cgroup tells whose PID it is.
	wantMethod := killMethod(db.Pid, db.ID)
	port := itgWebPort(t, web)
	itgVisit(t, ctx, port)
	rowsBefore := e.killVisitRows(ctx, db.ID)

	load := startLoad(port)
	loadStopped := false
	t.Cleanup(func() {
		if !loadStopped {
			load.Stop()
		}
	})
	// Some visits before the crash, so it lands on a busy database.
	enginetest.Eventually(t, 30*time.Second, "the client loop's first visits", func() error {
		if n := load.Answered(); n < 20 {
			return fmt.Errorf("%d visits so far", n)
		}
		return nil
	})

	report, err := e.orch.Crash(ctx, st, backend.CrashOptions{Service: "db", WaitTimeout: 3 * time.Minute})
	t.Logf("crash report: %+v", report)
	if err != nil {
		load.Stop()
		loadStopped = true
		t.Fatalf("crash db: %v", err)
	}
	// The loop must get 200s again after the recovery, not only before.
	okAtRecovery := load.Answered()
	enginetest.Eventually(t, 30*time.Second, "visits through web after the recovery", func() error {
		if n := load.Answered() - okAtRecovery; n < 20 {
			return fmt.Errorf("%d visits since the recovery", n)
		}
		return nil
	})
	tally := load.Stop()
	ok, failed, failures := tally.OK, tally.Failed, tally.Failures
	loadStopped = true
	t.Logf("client loop: %d visits acknowledged, %d failed while db was down (first: %q)", ok, failed, failures)

	if report.Service != "db" || report.Container != db.Name || report.RestartPolicy != "always" {
		t.Errorf("report names service %q container %q policy %q, want db %q always", report.Service, report.Container, report.RestartPolicy, db.Name)
	}
	if report.Method != wantMethod {
		t.Errorf("crash method %q, want %q", report.Method, wantMethod)
	}
	killCheckTimeline(t, report, killCrashed, killRestarted("always"), "healthy", "web serving again")

	if n := itgVisit(t, ctx, port); n < rowsBefore {
		t.Errorf("after the crash GET / counts visits=%d, fewer than the %d rows before it", n, rowsBefore)
	}

	ps, err = e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	after := itgByService(t, ps)
	dbAfter, webAfter := after["db"], after["web"]
	if dbAfter.ID != db.ID || dbAfter.State != "running" {
		t.Errorf("db after the crash: container %s %s, want the same container %s running", dbAfter.ID, dbAfter.State, db.ID)
	}
	if dbAfter.RestartCount != db.RestartCount+1 {
		t.Errorf("db restart count went from %d to %d, want up by exactly one", db.RestartCount, dbAfter.RestartCount)
	}
	if !dbAfter.StartedAt.After(db.StartedAt) {
		t.Errorf("db started at %s after the crash, not after its previous start %s", dbAfter.StartedAt, db.StartedAt)
	}
	if webAfter.ID != web.ID || !webAfter.StartedAt.Equal(web.StartedAt) || webAfter.RestartCount != 0 || webAfter.State != "running" {
		t.Errorf("web after the crash: %s %s started %s restart count %d; want the same container %s running, started %s, never restarted",
			webAfter.ID, webAfter.State, webAfter.StartedAt, webAfter.RestartCount, web.ID, web.StartedAt)
	}

	// Every visit web acknowledged with a 200 is in PostgreSQL. A request
	// that failed on the client side may still have committed, so the
	// rows are bounded by, not equal to, the acknowledged ones.
	rowsAfter := e.killVisitRows(ctx, db.ID)
	if floor := rowsBefore + int(ok) + 1; rowsAfter < floor {
		t.Errorf("visits table has %d rows, want at least %d: %d before the loop + %d acknowledged + 1 visit after; acknowledged visits were lost",
			rowsAfter, floor, rowsBefore, ok)
	}
	if ceiling := rowsBefore + int(ok+failed) + 1; rowsAfter > ceiling {
		t.Errorf("visits table has %d rows, more than the %d requests sent", rowsAfter, ceiling)
	}
}

// TestPolicyAlwaysRestartsAfterCrash: "always" brings a crashed server back.
func TestPolicyAlwaysRestartsAfterCrash(t *testing.T) {
	killCrashRestarts(t, stack.RestartPolicy{Name: "always"})
}

// TestPolicyUnlessStoppedRestartsAfterCrash: so does "unless-stopped".
func TestPolicyUnlessStoppedRestartsAfterCrash(t *testing.T) {
	killCrashRestarts(t, stack.RestartPolicy{Name: "unless-stopped"})
}

// TestPolicyOnFailureRestartsAfterCrash: a crash is a non-zero exit (137),
// which "on-failure" restarts.
func TestPolicyOnFailureRestartsAfterCrash(t *testing.T) {
	killCrashRestarts(t, stack.RestartPolicy{Name: "on-failure"})
}

// killCrashRestarts crashes a redis server under policy and checks Crash
// saw it die and come back, restarted once in the same container.
func killCrashRestarts(t *testing.T, policy stack.RestartPolicy) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.killUp(ctx, killService("server", policy, "redis-server"))
	before := e.killContainer(ctx, st, "server")
	// Read while the process lives: its cgroup tells whose PID it is.
	wantMethod := killMethod(before.Pid, before.ID)

	report, err := e.orch.Crash(ctx, st, backend.CrashOptions{Service: "server", WaitTimeout: time.Minute})
	t.Logf("crash report: %+v", report)
	if err != nil {
		t.Fatalf("crash under policy %s: %v", policy, err)
	}
	if report.RestartPolicy != policy.String() {
		t.Errorf("report says policy %q, want %q", report.RestartPolicy, policy)
	}
	if report.Method != wantMethod {
		t.Errorf("crash method %q, want %q", report.Method, wantMethod)
	}
	killCheckTimeline(t, report, killCrashed, killRestarted(policy.String()))

	after := e.killContainer(ctx, st, "server")
	if after.ID != before.ID || after.State != "running" || after.RestartCount != 1 || after.Pid == before.Pid {
		t.Errorf("after the crash: %s %s restart count %d pid %d; want the same container %s running, restarted once, with a new process (was pid %d)",
			after.ID, after.State, after.RestartCount, after.Pid, before.ID, before.Pid)
	}
}

// TestPolicyOnFailureRestartsAfterNonZeroExit: a task exiting 3 is
// restarted by "on-failure".
func TestPolicyOnFailureRestartsAfterNonZeroExit(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.killUp(ctx, killService("task", stack.RestartPolicy{Name: "on-failure"}, "sh", "-c", "sleep 1; exit 3"))
	c := e.killContainer(ctx, st, "task")
	if c.RestartPolicy != "on-failure" {
		t.Errorf("ps shows restart policy %q, want on-failure", c.RestartPolicy)
	}
	got := e.killWaitState(ctx, c.ID, 30*time.Second, "restarted after exit 3", func(c engine.Container) bool {
		return c.RestartCount >= 1
	})
	t.Logf("task: %s, exit %d, restart count %d", got.Status, got.ExitCode, got.RestartCount)
}

// TestPolicyOnFailureDoesNotRestartAfterExitZero: a task exiting 0 stays
// exited under "on-failure".
func TestPolicyOnFailureDoesNotRestartAfterExitZero(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.killUp(ctx, killService("task", stack.RestartPolicy{Name: "on-failure"}, "sh", "-c", "sleep 1; exit 0"))
	c := e.killContainer(ctx, st, "task")
	e.killWaitState(ctx, c.ID, 30*time.Second, "exited", func(c engine.Container) bool {
		return c.Status == "exited" || c.RestartCount > 0
	})
	e.killStaysExited(ctx, c.ID, 0, 0)
	if got := e.killContainer(ctx, st, "task"); got.State != "exited" || got.RestartCount != 0 {
		t.Errorf("ps shows the task %s with restart count %d, want exited, never restarted", got.State, got.RestartCount)
	}
}

// TestPolicyOnFailureGivesUpAfterMax: "on-failure:2" restarts a task that
// always exits 3 twice, then leaves it exited.
func TestPolicyOnFailureGivesUpAfterMax(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	policy := stack.RestartPolicy{Name: "on-failure", MaxRetries: 2}
	st := e.killUp(ctx, killService("task", policy, "sh", "-c", "sleep 1; exit 3"))
	c := e.killContainer(ctx, st, "task")
	if c.RestartPolicy != "on-failure:2" {
		t.Errorf("ps shows restart policy %q, want on-failure:2", c.RestartPolicy)
	}
	e.killWaitState(ctx, c.ID, time.Minute, "given up after 2 restarts", func(c engine.Container) bool {
		return c.Status == "exited" && c.RestartCount >= 2 || c.RestartCount > 2
	})
	e.killStaysExited(ctx, c.ID, 3, 2)
	if got := e.killContainer(ctx, st, "task"); got.State != "exited" || got.ExitCode != 3 || got.RestartCount != 2 {
		t.Errorf("ps shows the task %s, exit %d, restart count %d; want exited 3 after 2 restarts", got.State, got.ExitCode, got.RestartCount)
	}
}

// TestPolicyNoneRestartsAfterStop: Stop is a manual stop, which no policy
// answers, though the containers (ignoring SIGTERM) die of the SIGKILL
// that follows the grace period, a non-zero exit.
func TestPolicyNoneRestartsAfterStop(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	policies := []stack.RestartPolicy{{Name: "always"}, {Name: "unless-stopped"}, {Name: "on-failure"}}
	var services []stack.Service
	for _, p := range policies {
		// sleep as PID 1 ignores SIGTERM: Stop ends it with SIGKILL.
		services = append(services, killService(p.Name, p, "sleep", "infinity"))
	}
	st := e.killUp(ctx, services...)
	if err := e.orch.Stop(ctx, st, nil, time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, p := range policies {
		t.Run(p.Name, func(t *testing.T) {
			c := e.killContainer(ctx, st, p.Name)
			e.killStaysExited(ctx, c.ID, 137, 0)
		})
	}
}

// TestPolicyNoCrashSaysNotRestarted: under policy "no" the crashed
// container stays down, and Crash says the engine did not restart it.
func TestPolicyNoCrashSaysNotRestarted(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.killUp(ctx, killService("server", stack.RestartPolicy{Name: "no"}, "redis-server"))
	c := e.killContainer(ctx, st, "server")

	report, err := e.orch.Crash(ctx, st, backend.CrashOptions{Service: "server", WaitTimeout: time.Minute})
	t.Logf("crash report: %+v", report)
	if err == nil {
		t.Fatal("crash under policy no returned nil, want an error saying the engine did not restart it")
	}
	for _, want := range []string{"did not restart", c.Name, `"no"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	killCheckTimeline(t, report, killCrashed)
	e.killStaysExited(ctx, c.ID, 137, 0)
}

// TestSignalKillThroughAPILeavesAlwaysContainerStopped documents the
// engine: a SIGKILL through the API is a manual stop, which even "always"
// does not answer.
func TestSignalKillThroughAPILeavesAlwaysContainerStopped(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.killUp(ctx, killService("server", stack.RestartPolicy{Name: "always"}, "redis-server"))
	c := e.killContainer(ctx, st, "server")

	name, err := e.orch.Signal(ctx, st, "server", "", "SIGKILL")
	if err != nil {
		t.Fatalf("signal: %v", err)
	}
	if name != c.Name {
		t.Errorf("signalled %q, want %q", name, c.Name)
	}
	e.killWaitState(ctx, c.ID, 30*time.Second, "dead of the SIGKILL", func(c engine.Container) bool {
		return c.Status != "running" || c.RestartCount > 0
	})
	e.killStaysExited(ctx, c.ID, 137, 0)

	if _, err := e.orch.Signal(ctx, st, "server", "", "SIGKILL"); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Errorf("signal to the stopped container: %v, want an error saying it is not running", err)
	}
}

// TestCrashErrors: what Crash refuses, and how it says so.
func TestCrashErrors(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	scaled := killService("server", stack.RestartPolicy{Name: "always"}, "redis-server")
	scaled.Replicas = 2
	st := e.killUp(ctx, scaled, killService("stopped", stack.RestartPolicy{Name: "always"}, "redis-server"))
	if err := e.orch.Stop(ctx, st, []string{"stopped"}, time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}
	crash := func(service, replica string) (backend.CrashReport, error) {
		return e.orch.Crash(ctx, st, backend.CrashOptions{Service: service, Replica: replica, WaitTimeout: time.Minute})
	}

	t.Run("unknown service", func(t *testing.T) {
		_, err := crash("nosuch", "")
		if !errors.Is(err, backend.ErrUnknownService) {
			t.Fatalf("crash of an unknown service: %v, want ErrUnknownService", err)
		}
		if !strings.Contains(err.Error(), "nosuch") || !strings.Contains(err.Error(), "server, stopped") {
			t.Errorf("error %q does not name the service and list the stack's", err)
		}
	})

	t.Run("stopped service", func(t *testing.T) {
		stopped := e.killContainer(ctx, st, "stopped")
		_, err := crash("stopped", "")
		if err == nil {
			t.Fatal("crash of a stopped service returned nil")
		}
		for _, want := range []string{"stopped", stopped.Name, "not running"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		// redis exits 0 on SIGTERM, or 137 if a busy host makes it
		// outlast the 1 s grace period: either way, it stays down.
		e.killStaysExited(ctx, stopped.ID, -1, 0)
	})

	svc, _ := st.Service("server")
	replicas := []string{st.ContainerName(svc, 1), st.ContainerName(svc, 2)}

	t.Run("missing replica", func(t *testing.T) {
		_, err := crash("server", "server-7")
		if err == nil {
			t.Fatal("crash of replica server-7 of 2 returned nil")
		}
		for _, want := range append([]string{`"server-7"`}, replicas...) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})

	t.Run("named replica", func(t *testing.T) {
		ps, err := e.orch.PS(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		restarts := map[string]int{}
		for _, c := range ps {
			restarts[c.Name] = c.RestartCount
		}
		report, err := crash("server", "server-2")
		if err != nil {
			t.Fatalf("crash of replica server-2: %v", err)
		}
		if report.Container != replicas[1] {
			t.Errorf("crashed %q, want replica 2, %q", report.Container, replicas[1])
		}
		ps, err = e.orch.PS(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ps {
			if c.Service != "server" {
				continue
			}
			want := restarts[c.Name]
			if c.Name == replicas[1] {
				want++
			}
			if c.RestartCount != want || c.State != "running" {
				t.Errorf("replica %s is %s with restart count %d, want running with %d", c.Name, c.State, c.RestartCount, want)
			}
		}
	})
}

// killRemote is the local engine as the orchestrator sees a remote one: the
// host PIDs of its containers are not this machine's to signal, so Crash
// takes the path for a remote engine, a helper container in the host's PID
// namespace.
type killRemote struct{ *engine.Client }

func (killRemote) IsLocal() bool { return false }

// killHelpersLeft lists the project's crash helpers still on the engine.
func (e *itgEnv) killHelpersLeft(ctx context.Context) []string {
	e.t.Helper()
	args := filters.NewArgs(
		filters.Arg("label", stack.LabelProject+"="+e.project),
		filters.Arg("label", stack.LabelService+"=crash-helper"))
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		e.t.Fatalf("list crash helpers: %v", err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, strings.Join(c.Names, ","))
	}
	return names
}

// TestCrashFromAHelperContainer takes the path for a remote engine on the
// real one, the local engine seen as remote: a helper container running
// stackctl, root in the host's PID namespace, sends SIGKILL to the host PID
// of a container whose image (the redis:7 stand-in) has no kill of its
// own; the engine sees a crash and the policy restarts the container. A
// second crash uses the helper image the first one made. No helper
// container is left behind.
func TestCrashFromAHelperContainer(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	bin := stacktest.StaticStackctl(t)
	remote := orchestrator.New(docker.New(killRemote{e.cli}, e.events, docker.WithCrashHelper(bin)), e.events)
	// The helper image is the binary's, tagged with its digest: this
	// test's binary, not a user's, so it goes when the test ends.
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	helperImage := "stackctl/crash-helper:" + hex.EncodeToString(sum[:])[:16]
	t.Cleanup(func() {
		if _, err := e.api.ImageRemove(context.Background(), helperImage, image.RemoveOptions{}); err != nil && !client.IsErrNotFound(err) {
			t.Logf("remove the helper image %s: %v", helperImage, err)
		}
	})
	st := e.killUp(ctx, killService("server", stack.RestartPolicy{Name: "always"}, "redis-server"))

	for n := 1; n <= 2; n++ {
		before := e.killContainer(ctx, st, "server")
		report, err := remote.Crash(ctx, st, backend.CrashOptions{Service: "server", WaitTimeout: time.Minute})
		t.Logf("crash report %d: %+v", n, report)
		if err != nil {
			t.Fatalf("crash %d from a helper: %v", n, err)
		}
		if want := killHelperMethod(before.Pid); report.Method != want {
			t.Errorf("crash %d: method %q, want %q", n, report.Method, want)
		}
		killCheckTimeline(t, report, killCrashed, fmt.Sprintf("restarted by policy %q (restart #%d)", "always", n))
		after := e.killContainer(ctx, st, "server")
		if after.ID != before.ID || after.State != "running" || after.RestartCount != n || after.Pid == before.Pid {
			t.Errorf("after crash %d: %s %s restart count %d pid %d; want the same container %s running, restarted %d times, with a new process (was pid %d)",
				n, after.ID, after.State, after.RestartCount, after.Pid, before.ID, n, before.Pid)
		}
		if left := e.killHelpersLeft(ctx); len(left) > 0 {
			t.Errorf("crash %d left helper containers %v", n, left)
		}
	}
}
