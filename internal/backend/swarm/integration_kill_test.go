package swarm_test

// Integration tests of `stackctl --swarm kill` on a real swarm: a task's
// container crashed by SIGKILL to its main process from outside the API,
// on the manager stackctl talks to and on a worker through its engine, and
// the swarm's replacement of the task, timed from its tasks.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// TestSwarmKill deploys the built-in stack to a swarm of the host engine
// and two workers, db pinned to the manager and web's three tasks spread
// over the nodes, then crashes tasks:
//
//   - db, on the manager: SIGKILL straight to its host PID; its task fails
//     with 137, the swarm makes a new one on the manager, which turns
//     healthy, and web serves again (probed on every node, through the
//     workers' engines), in that order;
//   - a web task on a worker, with no engine given for that node: refused,
//     naming the task, the node and its address, and --node-engine; the
//     task still runs;
//   - the same task with the worker's engine given: killed from a helper
//     container on that worker, and replaced.
func TestSwarmKill(t *testing.T) {
	cluster := enginetest.Swarm(t, 2)
	ctx := enginetest.Context(t, 15*time.Minute)
	rec := &recorder{t: t}
	rec.dumpOnFailure()
	bin := stacktest.StaticStackctl(t)
	plain := orchestrator.New(swarm.New(cluster.Manager, rec, swarm.WithRegistry(cluster.Registry.Addr), swarm.WithCrashHelper(bin)), rec)
	reaching := orchestrator.New(swarm.New(cluster.Manager, rec, swarm.WithRegistry(cluster.Registry.Addr), swarm.WithCrashHelper(bin),
		swarm.WithNodeEngines(workerEngines(cluster))), rec)
	st := swarmStack(t, enginetest.ProjectName(t), 3)
	upForTest(t, ctx, plain, st)
	tasks := func(service string) []engine.Task { return serviceTasks(t, ctx, cluster, st, service) }
	running := func(service string) []engine.Task {
		return slices.DeleteFunc(tasks(service), func(tk engine.Task) bool { return tk.DesiredState != "running" || tk.State != "running" })
	}
	byID := func(list []engine.Task, id string) engine.Task {
		i := slices.IndexFunc(list, func(tk engine.Task) bool { return tk.ID == id })
		if i < 0 {
			t.Fatalf("no task %s among %+v", id, list)
		}
		return list[i]
	}
	nodes, err := cluster.Manager.NodeList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hostname := func(id string) string {
		for _, n := range nodes {
			if n.ID == id {
				return n.Hostname
			}
		}
		return id
	}

	t.Run("db on the manager", func(t *testing.T) {
		dbs := running("db")
		if len(dbs) != 1 || dbs[0].NodeID != cluster.ManagerID {
			t.Fatalf("db's running tasks %+v, want one, on the manager %s", dbs, cluster.ManagerID)
		}
		before := dbs[0]
		c, err := cluster.Manager.ContainerInspect(ctx, before.ContainerID)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		report, err := reaching.Crash(ctx, st, backend.CrashOptions{Service: "db", WaitTimeout: 3 * time.Minute})
		took := time.Since(began)
		t.Logf("crash report: %+v", report)
		for _, m := range report.Timeline {
			t.Logf("  %-95s +%s", m.What, m.After.Round(time.Millisecond))
		}
		if err != nil {
			t.Fatalf("kill db: %v", err)
		}
		if want := fmt.Sprintf("SIGKILL to host PID %d on node %s", c.Pid, cluster.ManagerName); report.Method != want {
			t.Errorf("method %q, want %q: the manager's engine is this machine's", report.Method, want)
		}
		killed := byID(tasks("db"), before.ID)
		if killed.State != "failed" || killed.ExitCode != 137 {
			t.Errorf("the killed task is %s with exit %d, want failed with 137", killed.State, killed.ExitCode)
		}
		now := running("db")
		if len(now) != 1 || now[0].ID == before.ID || now[0].NodeID != cluster.ManagerID || !now[0].Created.After(before.Created) {
			t.Fatalf("db's running tasks after the crash: %+v; want one new task on the manager", now)
		}
		killCheckTimeline(t, report, took,
			"task failed (SIGKILL, exit 137)",
			fmt.Sprintf("new task %s created", now[0].ID[:12]),
			"new task started on node "+cluster.ManagerName,
			"healthy",
			"web serving again")
		// Healthy is the swarm's word: the new task runs, so its
		// healthcheck passed; and web serves from the new db, through its
		// edge (every request records a visit in db).
		url, _ := edgeURL(t, ctx, cluster, st)
		replicasAnswering(t, ctx, url, 6)
	})

	var onWorker engine.Task
	var worker *enginetest.SwarmWorker
	for _, tk := range running("web") {
		for _, w := range cluster.Workers {
			if tk.NodeID == w.NodeID {
				onWorker, worker = tk, w
			}
		}
	}
	if worker == nil {
		t.Fatalf("no web task runs on a worker: %+v", running("web"))
	}
	replica := fmt.Sprintf("web-%d", onWorker.Slot)

	t.Run("a task on a worker whose engine is not given", func(t *testing.T) {
		report, err := plain.Crash(ctx, st, backend.CrashOptions{Service: "web", Replica: replica, WaitTimeout: time.Minute})
		t.Logf("error: %v", err)
		if !errors.Is(err, swarm.ErrNodeNotReached) {
			t.Fatalf("kill %s on worker %s: %v, want ErrNodeNotReached", replica, worker.Name, err)
		}
		var addr string
		for _, n := range nodes {
			if n.ID == onWorker.NodeID {
				addr = n.Addr
			}
		}
		task := fmt.Sprintf("%s.%d (%s)", swarm.ServiceName(st.Project, "web"), onWorker.Slot, onWorker.ID[:12])
		for _, want := range []string{task, fmt.Sprintf("node %s (address %s)", worker.Name, addr), "node " + cluster.ManagerName + " only",
			fmt.Sprintf("--node-engine %s=tcp://%s:PORT kill web %s", worker.Name, addr, replica)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
		if report.Container != "" {
			t.Errorf("report %+v of a crash that did not happen", report)
		}
		if still := byID(tasks("web"), onWorker.ID); still.State != "running" || still.DesiredState != "running" {
			t.Errorf("task %s is %s (desired %s) after the refused kill, want it left running", onWorker.ID, still.State, still.DesiredState)
		}
	})

	t.Run("a task on a worker through its engine", func(t *testing.T) {
		c, err := worker.Client.ContainerInspect(ctx, onWorker.ContainerID)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		report, err := reaching.Crash(ctx, st, backend.CrashOptions{Service: "web", Replica: replica, WaitTimeout: 3 * time.Minute})
		took := time.Since(began)
		t.Logf("crash report: %+v", report)
		for _, m := range report.Timeline {
			t.Logf("  %-95s +%s", m.What, m.After.Round(time.Millisecond))
		}
		if err != nil {
			t.Fatalf("kill %s through worker %s's engine: %v", replica, worker.Name, err)
		}
		if want := fmt.Sprintf("SIGKILL to host PID %d from a helper container on node %s", c.Pid, worker.Name); report.Method != want {
			t.Errorf("method %q, want %q", report.Method, want)
		}
		killed := byID(tasks("web"), onWorker.ID)
		if killed.State != "failed" || killed.ExitCode != 137 {
			t.Errorf("the killed task is %s with exit %d, want failed with 137", killed.State, killed.ExitCode)
		}
		var next engine.Task
		for _, tk := range running("web") {
			if tk.Slot == onWorker.Slot {
				next = tk
			}
		}
		if next.ID == "" || next.ID == onWorker.ID {
			t.Fatalf("slot %d has no new running task: %+v", onWorker.Slot, tasks("web"))
		}
		killCheckTimeline(t, report, took,
			"task failed (SIGKILL, exit 137)",
			fmt.Sprintf("new task %s created", next.ID[:12]),
			"new task started on node "+hostname(next.NodeID),
			"healthy")
		helpers, err := worker.Client.ContainerList(ctx, map[string]string{stack.LabelProject: st.Project, stack.LabelService: crash.HelperService})
		if err != nil {
			t.Fatal(err)
		}
		if len(helpers) > 0 {
			t.Errorf("crash helpers left on worker %s: %+v", worker.Name, helpers)
		}
	})
}

// killCheckTimeline checks the report's milestones are exactly want, in
// order, each timed no earlier than the one before and within the crash's
// own duration.
func killCheckTimeline(t *testing.T, r backend.CrashReport, took time.Duration, want ...string) {
	t.Helper()
	var got []string
	for _, m := range r.Timeline {
		got = append(got, m.What)
	}
	if !slices.Equal(got, want) {
		t.Errorf("crash timeline\n%q\nwant\n%q", got, want)
	}
	for i, m := range r.Timeline {
		if i > 0 && m.After < r.Timeline[i-1].After {
			t.Errorf("milestone %q at +%s comes before the previous %q at +%s", m.What, m.After, r.Timeline[i-1].What, r.Timeline[i-1].After)
		}
		if m.After <= 0 || m.After > took {
			t.Errorf("milestone %q at +%s, outside the crash's %s", m.What, m.After, took)
		}
	}
}
