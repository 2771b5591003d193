package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/stackctl/stackctl/internal/enginetest"
)

// Bounds of single scenarios, generous for a loaded 2-core machine.
const (
	upTimeout    = 5 * time.Minute
	crashTimeout = 2 * time.Minute
	// settleTimeout covers the engine's first healthcheck runs (web: 5 s
	// start period, 5 s interval).
	settleTimeout = time.Minute
)

// Scenarios that may be skipped (-skip): each leaves the stack as it found
// it, running, so the cycle goes on without it.
var Skippable = []string{metricNoopUp, metricCrash, metricRedeploy, metricEdgeRedeploy}

// cycle runs every scenario once for one tool. The order lets each scenario
// start from the state the previous one left: nothing, then running, then
// stopped with data, then nothing again.
func (r *Runner) cycle(ctx context.Context, round int, t *Tool) error {
	steps := []struct {
		metric, what string
		run          func(context.Context, int, *Tool) error
	}{
		{metricFirstUp, "first up", r.firstUp},
		{metricNoopUp, "no-op up", r.noopUp},
		{metricCrash, "crash recovery", r.crashRecovery},
		{metricRedeploy, "redeploy under load", r.redeploy},
		{metricEdgeRedeploy, "redeploy under load behind the edge", r.edgeRedeploy},
		{"", "down, keeping the volume", r.downKeepingData},
		{metricColdUp, "cold up", r.coldUp},
		{metricDown, "down -v", r.downAll},
	}
	for _, step := range steps {
		if r.cfg.Skip[step.metric] {
			continue
		}
		if err := step.run(ctx, round, t); err != nil {
			return fmt.Errorf("%s: %w", step.what, err)
		}
	}
	return nil
}

// firstUp: no volume, images present. initdb runs inside the db container.
func (r *Runner) firstUp(ctx context.Context, round int, t *Tool) error {
	return r.measureUp(ctx, round, t, metricFirstUp, metricFirstReturned)
}

// coldUp: the stack is down, its volume holds an initialised database.
func (r *Runner) coldUp(ctx context.Context, round int, t *Tool) error {
	return r.measureUp(ctx, round, t, metricColdUp, metricColdUpReturned)
}

// measureUp times `up` from the command's start until the command has
// returned and then the stack's HTTP front answers 200 on its port, asked
// through the probe client from the moment the command returned: a tool that
// returns early (as `compose up -d` does) is timed until the stack really
// serves. Asking only then, as a user would, keeps the host's own early
// packets out of the figure: the engine's port proxy listens as soon as a
// container starts, and a connection it forwards before the container's
// network is up waits for the host's next ARP probe, a second later, as
// does everything else sent to that address meanwhile. With returned, the
// command's own time is a sample of that metric too.
func (r *Runner) measureUp(ctx context.Context, round int, t *Tool, metric string, returned ...string) error {
	ctx, cancel := context.WithTimeout(ctx, upTimeout)
	defer cancel()
	began := time.Now()
	run, err := t.Up(ctx, false)
	if err != nil {
		return err
	}
	upAt := time.Now()
	servedAt, err := waitWeb(ctx, r.probe, t.URL())
	if err != nil {
		return err
	}
	r.record(Sample{
		Round: round, Tool: t.Name, Metric: metric, Value: servedAt.Sub(began).Seconds(), Unit: unitSeconds,
		Note: fmt.Sprintf("command returned at %.3fs", upAt.Sub(began).Seconds()), Timeline: timeline(run.Began, run.Events),
	})
	for _, m := range returned {
		r.record(Sample{Round: round, Tool: t.Name, Metric: m, Value: upAt.Sub(began).Seconds(), Unit: unitSeconds})
	}
	return nil
}

// noopUp: everything running, settled and unchanged; only the command's time
// counts.
func (r *Runner) noopUp(ctx context.Context, round int, t *Tool) error {
	if err := r.waitSettled(ctx, t); err != nil {
		return err
	}
	run, err := t.Up(ctx, false)
	if err != nil {
		return err
	}
	if !getOK(ctx, r.web, t.URL()) {
		return fmt.Errorf("web does not answer 200 on %s after a no-op up", t.URL())
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: metricNoopUp, Value: run.Took.Seconds(), Unit: unitSeconds,
		Timeline: timeline(run.Began, run.Events)})
	return nil
}

// waitSettled returns once the engine itself has found every healthchecked
// container healthy. Right after an up it has not run a first probe yet, and
// a tool that checks health would then probe on its own: that is the cost of
// an up, not of a no-op.
func (r *Runner) waitSettled(ctx context.Context, t *Tool) error {
	ctx, cancel := context.WithTimeout(ctx, settleTimeout)
	defer cancel()
	for _, name := range t.Names.Healthchecked {
		err := poll(ctx, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
			c, err := r.eng.ContainerInspect(ctx, name)
			return err == nil && healthOf(c) == "healthy", err
		})
		if err != nil {
			return fmt.Errorf("wait for the engine to find %s healthy: %w", name, err)
		}
	}
	return nil
}

// crashRecovery kills the db container's main process from the host, as a
// real crash would (no engine API call, so the restart policy applies), and
// times until web answers 200 again, asked from the moment the engine has
// restarted db, and, beside it, until pg_isready passes in the restarted
// container. Neither tool is asked to do anything: this measures the stack
// each tool configured, and the engine. Web cannot answer 200 while db is
// down (each GET / records a visit in PostgreSQL, and answers 503 when it
// cannot), but asked right after the kill it can, through a backend of the
// dead server that lives a few more milliseconds: hence the restart first,
// before which no new server runs. Asking web only once pg_isready had
// passed would add the exec probe's own time.
func (r *Runner) crashRecovery(ctx context.Context, round int, t *Tool) error {
	ctx, cancel := context.WithTimeout(ctx, crashTimeout)
	defer cancel()
	name := t.Names.Containers["db"]
	before, err := r.eng.ContainerInspect(ctx, name)
	if err != nil {
		return fmt.Errorf("find the db container: %w", err)
	}
	if !isRunning(before) || before.State.Pid == 0 {
		return fmt.Errorf("db container %s is %s: %w", name, stateOf(before), errNotRunning)
	}
	pid, err := enginetest.HostPID(before.State.Pid, before.ID)
	if err != nil {
		return fmt.Errorf("find db's process: %w", err)
	}
	began := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("SIGKILL db's process %d: %w", pid, err)
	}
	if err := r.waitRestarted(ctx, name, before); err != nil {
		return err
	}
	restarted := time.Since(began)
	type answer struct {
		at  time.Time
		err error
	}
	served := make(chan answer, 1)
	go func() {
		at, err := waitWeb(ctx, r.probe, t.URL())
		served <- answer{at, err}
	}()
	if err := waitPgExec(ctx, r.eng, name); err != nil {
		return err
	}
	dbReady := time.Since(began)
	web := <-served
	if web.err != nil {
		return web.err
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: metricCrashDBReady, Value: dbReady.Seconds(), Unit: unitSeconds,
		Note: fmt.Sprintf("restarted by the engine at %.3fs", restarted.Seconds())})
	r.record(Sample{Round: round, Tool: t.Name, Metric: metricCrash, Value: web.at.Sub(began).Seconds(), Unit: unitSeconds})
	return nil
}

// waitRestarted returns once the engine has restarted the container after
// the kill, so later probes cannot see the old process.
func (r *Runner) waitRestarted(ctx context.Context, name string, before container.InspectResponse) error {
	err := poll(ctx, pgGap, func(ctx context.Context) (bool, error) {
		c, err := r.eng.ContainerInspect(ctx, name)
		if err != nil {
			return false, err
		}
		return isRunning(c) && (c.RestartCount > before.RestartCount || startedAt(c).After(startedAt(before))), nil
	})
	if err != nil {
		return fmt.Errorf("wait for the engine to restart %s: %w", name, err)
	}
	return nil
}

// redeployMetrics name where one redeploy variant's samples go.
type redeployMetrics struct{ took, failed, gap string }

// redeploy changes the app's source (in the tool's copy), runs `up --build`
// while a client sends a request every 10 ms, and counts what the client saw.
// Timed from the command's start until it returned and web answered 200.
func (r *Runner) redeploy(ctx context.Context, round int, t *Tool) error {
	return r.measureRedeploy(ctx, round, t, t.Names.Containers["web"],
		redeployMetrics{metricRedeploy, metricRedeployFailed, metricRedeployGap})
}

// edgeRedeploy is the same redeploy with web behind stackctl's edge load
// balancer, where stackctl replaces replicas start-first. Compose has no
// such mode, so it is measured for stackctl alone.
func (r *Runner) edgeRedeploy(ctx context.Context, round int, t *Tool) error {
	if t.Name != "stackctl" {
		return nil
	}
	if _, err := t.run(ctx, append(t.upArgs(false), "--edge")); err != nil {
		return fmt.Errorf("move web behind the edge: %w", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, servingAgainMax)
	defer cancel()
	if _, err := waitWeb(waitCtx, r.web, t.URL()); err != nil {
		return fmt.Errorf("the edge does not answer 200 on %s: %w", t.URL(), err)
	}
	return r.measureRedeploy(ctx, round, t, t.Names.Containers["web"],
		redeployMetrics{metricEdgeRedeploy, metricEdgeRedeployFailed, metricEdgeRedeployGap})
}

func (r *Runner) measureRedeploy(ctx context.Context, round int, t *Tool, web string, m redeployMetrics) error {
	if err := writeSourceChange(t.AppDir, fmt.Sprintf("%s round %d at %s", t.Name, round, time.Now().Format(time.RFC3339Nano))); err != nil {
		return err
	}
	before, err := r.eng.ContainerInspect(ctx, web)
	if err != nil {
		return fmt.Errorf("find the web container: %w", err)
	}
	if !getOK(ctx, r.web, t.URL()) {
		return fmt.Errorf("web does not answer 200 on %s before the redeploy", t.URL())
	}
	// The build is part of the redeploy: LoadMax bounds it, and the client
	// gets servingAgainMax more to see web back.
	upCtx, cancel := context.WithTimeout(ctx, r.cfg.LoadMax)
	defer cancel()
	deployed := make(chan struct{})
	loaded := make(chan loadReport, 1)
	go func() { loaded <- clientLoop(ctx, r.web, t.URL(), deployed, r.cfg.LoadMax+servingAgainMax) }()
	run, err := t.Up(upCtx, true)
	close(deployed)
	load := <-loaded
	if err != nil {
		return err
	}
	if load.ServingAgain.IsZero() {
		return fmt.Errorf("web did not answer 200 within %s after the redeploy (%d of %d requests failed)",
			servingAgainMax, load.Failed, load.Requests)
	}
	after, err := r.eng.ContainerInspect(ctx, web)
	if err != nil {
		return fmt.Errorf("find the redeployed web container: %w", err)
	}
	if after.ID == before.ID {
		return fmt.Errorf("up --build after a source change did not recreate web (%s)", web)
	}
	note := fmt.Sprintf("%d requests, command took %.3fs", load.Requests, run.Took.Seconds())
	end := run.Began.Add(run.Took)
	if load.ServingAgain.After(end) {
		end = load.ServingAgain
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: m.took, Value: end.Sub(run.Began).Seconds(), Unit: unitSeconds,
		Note: note, Timeline: timeline(run.Began, run.Events)})
	r.record(Sample{Round: round, Tool: t.Name, Metric: m.failed, Value: float64(load.Failed), Unit: unitRequests})
	r.record(Sample{Round: round, Tool: t.Name, Metric: m.gap, Value: load.LongestGap.Seconds(), Unit: unitSeconds})
	return nil
}

// writeSourceChange adds a Go file to the app's copy: a real source change,
// so both tools must rebuild the image and recreate the containers.
func writeSourceChange(appDir, marker string) error {
	src := fmt.Sprintf("// Code generated by stackbench for its redeploy scenario. DO NOT EDIT.\n\npackage main\n\n"+
		"// stackbenchRevision makes each redeploy's source differ.\nvar stackbenchRevision = %q\n", marker)
	path := filepath.Join(appDir, "stackbench_revision.go")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		return fmt.Errorf("change the app's source for the redeploy: %w", err)
	}
	return nil
}

// downKeepingData prepares the cold up: containers and network go, the
// database volume stays. Not timed.
func (r *Runner) downKeepingData(ctx context.Context, _ int, t *Tool) error {
	// Compose keeps an anonymous volume on down and makes another on the
	// next up: noted, so the cleanup removes it.
	if err := r.noteAnonymousVolumes(ctx, t); err != nil {
		return err
	}
	_, err := t.Down(ctx, false)
	return err
}

// downAll times `down -v` of the running stack and checks nothing is left.
func (r *Runner) downAll(ctx context.Context, round int, t *Tool) error {
	return r.measureDown(ctx, round, t, metricDown)
}

// measureDown times `down -v` of the tool's running stack and checks that
// none of its containers, networks and volumes is left.
func (r *Runner) measureDown(ctx context.Context, round int, t *Tool, metric string) error {
	run, err := t.Down(ctx, true)
	if err != nil {
		return err
	}
	left, err := leftovers(ctx, r.eng, t.resources())
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("down -v left %v", left)
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: metric, Value: run.Took.Seconds(), Unit: unitSeconds,
		Timeline: timeline(run.Began, run.Events)})
	return nil
}
