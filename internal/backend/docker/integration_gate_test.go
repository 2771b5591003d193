package docker_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/wait"
)

// The start gate on the real engine: a run that dies while web is held
// (SIGKILL: it can undo nothing) leaves web's container running with its
// app not started; the next up releases it once db is healthy; and the
// engine restarts the released app after a crash through the gate, with
// no stackctl running.
func TestStartGateHoldsTheAppUntilItsDependenciesAreReady(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	st := e.defaultStack()
	e.cleanupProject(st)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	web := st.ProjectName() + "-web-1"

	// 1. The binary's up, killed the moment web is held.
	cli := e.stackCLI()
	seen, _ := cli.signalAt(t, ctx, os.Kill, []string{web, "held"}, "--progress", "plain", "up")
	held, err := e.cli.ContainerInspect(ctx, web)
	if err != nil || !held.Running() {
		t.Fatalf("web after the up was killed at its hold: %+v, %v; want it running (held)\n%s", held.Status, err, strings.Join(seen, "\n"))
	}
	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if got := itgByService(t, ps)["web"].State; got != "held" {
		t.Errorf("ps shows web, held at its gate, as %q; want held", got)
	}
	time.Sleep(500 * time.Millisecond) // a gate that does not hold runs the app in milliseconds
	if logs := e.logs(ctx, web); logs != "" {
		t.Fatalf("web's app ran while its gate was closed; it logged:\n%s", logs)
	}

	// 2. The next up (the binary's: it takes over the dead run's lock)
	// releases it, after db is healthy.
	_, progressLines := cli.mustRun(t, ctx, "--progress", "json", "up")
	ps, err = e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	port := itgWebPort(t, itgByService(t, ps)["web"])
	itgVisit(t, ctx, port)
	var dbHealthy time.Time
	for _, line := range strings.Split(progressLines, "\n") {
		var ev progress.Event
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Resource == "container "+st.ProjectName()+"-db-1" && ev.Status == "healthy" {
			dbHealthy = ev.Time
		}
	}
	if dbHealthy.IsZero() {
		t.Fatalf("the second up never reported db healthy:\n%s", progressLines)
	}
	if started := e.appStartedAt(ctx, web); !started.After(dbHealthy) {
		t.Errorf("web's app started at %s, not after db was healthy at %s", started.Format(time.RFC3339Nano), dbHealthy.Format(time.RFC3339Nano))
	}

	// 3. A crash of the released app: the engine restarts it, and the gate
	// lets it through at once.
	if !e.cli.IsLocal() {
		t.Fatal("this test crashes web's app by host PID: it needs the engine on this machine")
	}
	before := e.inspect(ctx, web)
	if err := syscall.Kill(before.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL to web's app (host PID %d): %v", before.Pid, err)
	}
	restartCtx, cancelRestart := context.WithTimeout(ctx, time.Minute)
	defer cancelRestart()
	err = wait.Until(restartCtx, 50*time.Millisecond, wait.Func(func(ctx context.Context) (bool, error) {
		c, err := e.cli.ContainerInspect(ctx, web)
		if err != nil {
			return false, err
		}
		if c.RestartCount < 1 || !c.Running() {
			return false, nil
		}
		// The engine chose web's host port, and chooses again at a start.
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				if status, _, err := itgGet(ctx, p.HostPort, "/"); err == nil && status == 200 {
					return true, nil
				}
			}
		}
		return false, nil
	}))
	if err != nil {
		t.Fatalf("web after its app was killed: %v; want it restarted by the engine and serving", err)
	}

	// 4. down keeps the gate's binary for the next up and drops the
	// markers of the containers it removed; down -v (cleanup) drops both.
	if err := e.orch.Down(ctx, st, orchestrator.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	var gateVolumes []string
	for _, left := range e.leftovers(ctx, st.ProjectName()) {
		if strings.Contains(left, "stackctl-gate") {
			gateVolumes = append(gateVolumes, left)
		}
	}
	if len(gateVolumes) != 1 || strings.Contains(gateVolumes[0], "markers") {
		t.Errorf("gate volumes after down: %q, want just the binary's", gateVolumes)
	}
}

// logs is everything the container wrote.
func (e *itgEnv) logs(ctx context.Context, ref string) string {
	e.t.Helper()
	var out strings.Builder
	if err := e.cli.ContainerLogs(ctx, ref, engine.LogsOptions{Tail: -1}, &out, &out); err != nil {
		e.t.Fatalf("logs of %s: %v", ref, err)
	}
	return out.String()
}

// appStartedAt is when the app in the container began: the time of its
// first log line ("starting" for serve, "migrating" for migrate).
func (e *itgEnv) appStartedAt(ctx context.Context, ref string) time.Time {
	e.t.Helper()
	first, _, _ := strings.Cut(e.logs(ctx, ref), "\n")
	var line struct {
		Time time.Time `json:"time"`
		Msg  string    `json:"msg"`
	}
	if err := json.Unmarshal([]byte(first), &line); err != nil || (line.Msg != "starting" && line.Msg != "migrating") {
		e.t.Fatalf("%s's first log line %q is not the app's first (%v)", ref, first, err)
	}
	return line.Time
}
