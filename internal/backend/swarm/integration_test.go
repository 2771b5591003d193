package swarm_test

// Integration tests on a real swarm: the host engine as its manager and two
// engines in containers as its workers (enginetest.Swarm), images pushed to
// a real registry every node pulls from.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dockerswarm "github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/api/types/versions"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// recorder keeps the progress events, and logs them when the test fails.
type recorder struct {
	progress.Recorder
	t testing.TB
}

func (r *recorder) dumpOnFailure() {
	r.t.Cleanup(func() {
		if !r.t.Failed() {
			return
		}
		for _, e := range r.Events() {
			r.t.Logf("event %s %s %s %s", e.Time.Format("15:04:05.000"), e.Resource, e.Status, e.Detail)
		}
	})
}

// swarmStack is the built-in stack under project, shaped for a swarm with
// web at replicas.
func swarmStack(t *testing.T, project string, webReplicas int) *stack.Stack {
	t.Helper()
	return stacktest.Builtin(t, stacktest.Options{
		Project: project,
		Shape:   stack.Shape{Distributed: true, Scale: map[string]int{"web": webReplicas}},
	})
}

// builtinUp is the built-in stack under a project of the test's own, web
// at webReplicas, up on the swarm: an orchestrator of it and the stack,
// taken down when the test ends.
func builtinUp(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, webReplicas int) (*orchestrator.Orchestrator, *stack.Stack) {
	t.Helper()
	rec := &recorder{t: t}
	rec.dumpOnFailure()
	orch := orchestrator.New(swarm.New(cluster.Manager, rec, swarm.WithRegistry(cluster.Registry.Addr)), rec)
	st := swarmStack(t, enginetest.ProjectName(t), webReplicas)
	upForTest(t, ctx, orch, st)
	return orch, st
}

// TestSwarmUpGatesOnHealthSpreadsWebAndGoesDown deploys the built-in stack
// to a swarm of three nodes: db pinned to the manager (its data lives
// there), migrate as a job, web with three replicas over the nodes behind
// its edge (on the manager too), every image pulled from the registry by
// digest. Web's first task is made only
// after db's task passed its healthcheck and migrate's job completed,
// which `docker stack deploy` does not do. A second up changes nothing;
// down -v leaves nothing of the project on the swarm.
func TestSwarmUpGatesOnHealthSpreadsWebAndGoesDown(t *testing.T) {
	cluster := enginetest.Swarm(t, 2)
	ctx := enginetest.Context(t, 10*time.Minute)
	rec := &recorder{t: t}
	rec.dumpOnFailure()
	// With every node's engine, down removes the exited containers the
	// migrate job leaves wherever it ran.
	orch := orchestrator.New(swarm.New(cluster.Manager, rec, swarm.WithRegistry(cluster.Registry.Addr),
		swarm.WithNodeEngines(workerEngines(cluster))), rec)
	st := swarmStack(t, enginetest.ProjectName(t), 3)
	// A swarm service takes no-new-privileges from API 1.44: there the
	// service has it, before it the up says it was dropped.
	cache, _ := st.Service("cache")
	cache.SecurityOpt = append(cache.SecurityOpt, "no-new-privileges:true")
	downAtEnd(t, orch, st)

	res, err := orch.Up(ctx, st, backend.UpOptions{WaitTimeout: 4 * time.Minute})
	if err != nil {
		t.Fatalf("up on the swarm: %v", err)
	}
	if !res.Changed {
		t.Error("up from nothing says it changed nothing")
	}
	cacheService, _, err := cluster.ManagerAPI.ServiceInspectWithRaw(ctx, swarm.ServiceName(st.Project, "cache"), dockerswarm.ServiceInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	privileges := cacheService.Spec.TaskTemplate.ContainerSpec.Privileges
	hasNoNewPrivileges := privileges != nil && privileges.NoNewPrivileges
	if api := cluster.Manager.APIVersion(); versions.LessThan(api, "1.44") {
		dropped := slices.ContainsFunc(rec.Events(), func(e progress.Event) bool {
			return e.Level == "warning" && strings.Contains(e.Detail, "no-new-privileges")
		})
		if hasNoNewPrivileges || !dropped {
			t.Errorf("API %s: cache's service has no-new-privileges %v, a warning says it was dropped %v; want false, true", api, hasNoNewPrivileges, dropped)
		}
	} else if !hasNoNewPrivileges {
		t.Errorf("API %s: cache's service has no no-new-privileges: %+v", api, privileges)
	}

	tasks := func(service string) []engine.Task { return serviceTasks(t, ctx, cluster, st, service) }
	dbTasks := tasks("db")
	dbRunning := slices.IndexFunc(dbTasks, func(tk engine.Task) bool { return tk.State == "running" })
	if dbRunning < 0 {
		t.Fatalf("no db task runs: %+v", dbTasks)
	}
	db := dbTasks[dbRunning]
	if db.NodeID != cluster.ManagerID {
		t.Errorf("db runs on node %s, want the manager %s, which keeps its data", db.NodeID, cluster.ManagerID)
	}
	migrate := tasks("migrate")
	if !slices.ContainsFunc(migrate, func(tk engine.Task) bool { return tk.State == "complete" }) {
		t.Errorf("migrate's job did not complete: %+v", migrate)
	}

	web := slices.DeleteFunc(tasks("web"), func(tk engine.Task) bool { return tk.DesiredState != "running" })
	if len(web) != 3 {
		t.Fatalf("web has %d tasks meant to run, want 3: %+v", len(web), web)
	}
	nodes := map[string]bool{}
	for _, tk := range web {
		if tk.State != "running" {
			t.Errorf("web task %d is %s, want running (healthy)", tk.Slot, tk.State)
		}
		nodes[tk.NodeID] = true
		// The swarm's clock on both sides: db's task reached running (its
		// healthcheck passed) before web's task was made.
		if tk.Created.Before(db.StatusAt) {
			t.Errorf("web task %d was made at %s, before db was healthy at %s", tk.Slot, tk.Created.Format(time.StampMilli), db.StatusAt.Format(time.StampMilli))
		}
		for _, m := range migrate {
			if m.State == "complete" && tk.Created.Before(m.StatusAt) {
				t.Errorf("web task %d was made at %s, before migrate completed at %s", tk.Slot, tk.Created.Format(time.StampMilli), m.StatusAt.Format(time.StampMilli))
			}
		}
	}
	if len(nodes) < 2 {
		t.Errorf("web's 3 tasks run on %d node(s), want them spread over at least 2", len(nodes))
	}

	// Web is reached through its edge, on the manager (labelled for it, as
	// no node was), and publishes nothing itself.
	for _, tk := range web {
		if len(tk.Ports) > 0 {
			t.Errorf("web task %d publishes %v behind its edge, want nothing", tk.Slot, tk.Ports)
		}
	}
	url, edgeTask := edgeURL(t, ctx, cluster, st)
	if edgeTask.NodeID != cluster.ManagerID {
		t.Errorf("the edge runs on node %s, want the manager %s", edgeTask.NodeID, cluster.ManagerID)
	}
	if seen := replicasAnswering(t, ctx, url, 30); len(seen) < 2 {
		t.Errorf("30 requests through the edge were answered by %v, want several replicas", seen)
	}

	statuses, err := orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	running := 0
	for _, c := range statuses {
		if c.Service == "web" && c.State == "running" && c.Node != "" {
			running++
		}
	}
	if running != 3 {
		t.Errorf("ps shows %d running web tasks with their nodes, want 3: %+v", running, statuses)
	}

	again, err := orch.Up(ctx, st, backend.UpOptions{WaitTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatalf("second up: %v", err)
	}
	if again.Changed {
		t.Error("a second up on an unchanged stack changed something")
	}

	// Scaling web down to 2 changes its replica count only: two of its
	// tasks stay, none is replaced.
	scaled := swarmStack(t, st.Project, 2)
	if _, err := orch.Up(ctx, scaled, backend.UpOptions{WaitTimeout: 2 * time.Minute}); err != nil {
		t.Fatalf("up with web at 2: %v", err)
	}
	kept := slices.DeleteFunc(tasks("web"), func(tk engine.Task) bool { return tk.DesiredState != "running" })
	if len(kept) != 2 || !slices.ContainsFunc(web, func(tk engine.Task) bool { return tk.ID == kept[0].ID }) ||
		!slices.ContainsFunc(web, func(tk engine.Task) bool { return tk.ID == kept[1].ID }) {
		t.Errorf("after scaling web to 2 its tasks are %+v; want 2 of the 3 it had", kept)
	}

	// The logs of every service, gathered from the nodes, each line
	// prefixed with its service.
	var logs strings.Builder
	if err := orch.Logs(ctx, scaled, backend.LogsOptions{Services: []string{"web", "db"}, Tail: -1}, &logs); err != nil {
		t.Fatalf("logs: %v", err)
	}
	// The prefixes are padded to the longest service name.
	from := map[string]int{}
	for line := range strings.Lines(logs.String()) {
		name, _, _ := strings.Cut(line, " ")
		from[name]++
	}
	for _, service := range []string{"web", "db"} {
		if from[swarm.ServiceName(st.Project, service)] == 0 {
			t.Errorf("logs have no line of %s:\n%s", service, logs.String())
		}
	}
	if n := from[swarm.ServiceName(st.Project, "cache")]; n > 0 {
		t.Errorf("logs of web and db show %d lines of cache", n)
	}

	if err := orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down -v: %v", err)
	}
	assertNothingLeft(t, ctx, cluster, st)
}

// downAtEnd takes the stack down, volumes too, when the test ends, and
// removes the images built for it from the host engine.
func downAtEnd(t *testing.T, orch *orchestrator.Orchestrator, st *stack.Stack) {
	t.Helper()
	t.Cleanup(func() {
		if err := orch.Down(context.Background(), st, backend.DownOptions{Volumes: true}); err != nil {
			t.Errorf("down in cleanup: %v", err)
		}
		if err := enginetest.RemoveProjectImages(context.Background(), st.Project); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

// upForTest brings the stack up on the swarm, and down when the test ends.
func upForTest(t *testing.T, ctx context.Context, orch *orchestrator.Orchestrator, st *stack.Stack) {
	t.Helper()
	downAtEnd(t, orch, st)
	if _, err := orch.Up(ctx, st, backend.UpOptions{WaitTimeout: 4 * time.Minute}); err != nil {
		t.Fatalf("up on the swarm: %v", err)
	}
}

// serviceTasks are all the tasks of the stack's service, as the manager
// lists them.
func serviceTasks(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack, service string) []engine.Task {
	t.Helper()
	list, err := cluster.Manager.TaskList(ctx, engine.TaskFilter{Service: swarm.ServiceName(st.Project, service)})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// nodeAddrs are the addresses at which this machine reaches each node's
// published ports: the manager on loopback, a worker at its container's
// address.
func nodeAddrs(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster) map[string]string {
	t.Helper()
	addrs := map[string]string{cluster.ManagerID: "127.0.0.1"}
	for _, w := range cluster.Workers {
		addrs[w.NodeID] = w.IP
	}
	return addrs
}

// get fetches / from host on any of ports, trying them in turn again while
// the port is being set up. A host-mode port may be bound twice, for IPv4
// and IPv6, on two host ports, and only one answers on an IPv4 address.
func get(ctx context.Context, host string, ports []stack.Port) (string, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	last := fmt.Errorf("no port published")
	for range 50 {
		for _, p := range ports {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s:%d/", host, p.HostPort), nil)
			if err != nil {
				return "", err
			}
			resp, err := client.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return string(body), nil
				}
				err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
			}
			last = err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return "", last
}

// workerEngines are the workers' engine addresses, by node name, as
// --node-engine gives them.
func workerEngines(cluster *enginetest.SwarmCluster) map[string]string {
	out := map[string]string{}
	for _, w := range cluster.Workers {
		out[w.Name] = w.Host
	}
	return out
}

// assertNothingLeft checks the swarm holds nothing of the project: no
// service, network, secret, config or volume, no container on any node,
// and no node label.
func assertNothingLeft(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack) {
	t.Helper()
	m := cluster.Manager
	labels := st.ProjectLabels()
	if list, err := m.ServiceList(ctx, labels); err != nil || len(list) > 0 {
		t.Errorf("services left after down: %d, %v", len(list), err)
	}
	for _, n := range st.Networks {
		if list, err := m.NetworkList(ctx, n.Name); err != nil || len(list) > 0 {
			t.Errorf("network %s left after down: %d, %v", n.Name, len(list), err)
		}
	}
	if list, err := m.SecretList(ctx, labels); err != nil || len(list) > 0 {
		t.Errorf("secrets left after down: %v, %v", list, err)
	}
	if list, err := m.ConfigList(ctx, labels); err != nil || len(list) > 0 {
		t.Errorf("configs left after down: %v, %v", list, err)
	}
	if list, err := m.VolumeList(ctx, labels); err != nil || len(list) > 0 {
		t.Errorf("volumes left after down -v: %v, %v", list, err)
	}
	engines := map[string]*engine.Client{cluster.ManagerName: m}
	for _, w := range cluster.Workers {
		engines[w.Name] = w.Client
	}
	// A node removes a removed service's stopped containers on its own, a
	// moment after down; those of a job it never removes (moby/moby#44312):
	// down must have.
	for node, e := range engines {
		deadline := time.Now().Add(time.Minute)
		for {
			list, err := e.ContainerList(ctx, map[string]string{swarm.LabelNamespace: st.Project})
			if err == nil && len(list) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("containers of the project left on node %s a minute after down: %+v, %v", node, list, err)
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	nodes, err := m.NodeList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		for k := range n.Labels {
			if strings.Contains(k, st.Project) {
				t.Errorf("node %s keeps label %s after down", n.Hostname, k)
			}
		}
	}
}

// TestSwarmRunsTheDay34ExampleVerbatim deploys the seed tutorial's own
// project, its file unchanged (an override publishes web on a port the
// swarm picks), with the stackctl binary as a user runs it: --swarm and
// --registry select the backend; its build is built and pushed, its
// container_names become hostnames, flask-app's task is made only once
// postgres-db is healthy, ps shows each task's node, and down -v leaves
// nothing.
func TestSwarmRunsTheDay34ExampleVerbatim(t *testing.T) {
	cluster := enginetest.Swarm(t, 2)
	ctx := enginetest.Context(t, 10*time.Minute)
	bin := stacktest.StaticStackctl(t)
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	override := filepath.Join(t.TempDir(), "override.yaml")
	if err := os.WriteFile(override, []byte("services:\n  web:\n    ports: !override\n      - \"5000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(root, "examples", "day-34", "docker-compose.yml"), override}
	project := enginetest.ProjectName(t)
	stackctl := func(args ...string) (string, error) {
		t.Helper()
		full := append([]string{"-f", files[0], "-f", files[1], "-p", project, "--swarm", "--registry", cluster.Registry.Addr}, args...)
		cmd := exec.CommandContext(ctx, bin, full...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			err = fmt.Errorf("stackctl %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), err
	}
	st, err := stack.Load(ctx, stack.LoadOptions{Files: files, ProjectName: project})
	if err != nil {
		t.Fatalf("load the example: %v", err)
	}
	t.Cleanup(func() {
		if _, err := stackctl("down", "-v"); err != nil {
			t.Errorf("down in cleanup: %v", err)
		}
		if err := enginetest.RemoveProjectImages(context.Background(), project); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if _, err := stackctl("up", "--wait-timeout", "4m"); err != nil {
		t.Fatal(err)
	}

	tasks := func(service string) []engine.Task {
		return slices.DeleteFunc(serviceTasks(t, ctx, cluster, st, service), func(tk engine.Task) bool { return tk.DesiredState != "running" })
	}
	db, web := tasks("db"), tasks("web")
	if len(db) != 1 || len(web) != 1 || db[0].State != "running" || web[0].State != "running" {
		t.Fatalf("db tasks %+v, web tasks %+v; want one of each, running", db, web)
	}
	if web[0].Created.Before(db[0].StatusAt) {
		t.Errorf("flask-app's task was made at %s, before postgres-db was healthy at %s", web[0].Created.Format(time.StampMilli), db[0].StatusAt.Format(time.StampMilli))
	}
	body, err := get(ctx, nodeAddrs(t, ctx, cluster)[web[0].NodeID], web[0].Ports)
	if err != nil || body != "Hello from Flask App connected to Postgres & Redis!" {
		t.Errorf("GET / of web = %q, %v; want the tutorial's greeting", body, err)
	}

	out, err := stackctl("ps", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	// Compose's shape, a line per task; Engine is the node that runs it.
	nodes := map[string]string{}
	for line := range strings.Lines(out) {
		var c struct{ Service, Engine string }
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("ps --format json: line %q: %v\n%s", line, err, out)
		}
		nodes[c.Service] = c.Engine
	}
	if nodes["db"] != cluster.ManagerName || nodes["web"] == "" || nodes["cache"] == "" {
		t.Errorf("ps puts db on %q (want the manager %s, where its data lives), web on %q, cache on %q", nodes["db"], cluster.ManagerName, nodes["web"], nodes["cache"])
	}

	if _, err := stackctl("down", "-v"); err != nil {
		t.Fatal(err)
	}
	assertNothingLeft(t, ctx, cluster, st)
}

// TestSwarmBrokenUpdateFailsUpAndIsRolledBack updates web, three replicas
// on two nodes behind its edge, to a spec whose healthcheck never passes
// and whose tasks could not serve (PostgreSQL at a port where nothing
// listens): up fails, naming the task and its node, and the swarm rolls
// web back, start-first, so its tasks of the previous spec keep serving
// (but for the one case rollbackFaults explains). No request through the
// edge fails meanwhile: a task takes traffic only once healthy.
func TestSwarmBrokenUpdateFailsUpAndIsRolledBack(t *testing.T) {
	// The context once the swarm is ours: its lock may be a long wait.
	cluster := enginetest.Swarm(t, 1)
	ctx := enginetest.Context(t, 10*time.Minute)
	orch, st := builtinUp(t, ctx, cluster, 3)
	name := swarm.ServiceName(st.Project, "web")
	before := webTasks(t, ctx, cluster, st)
	if len(before) != 3 {
		t.Fatalf("web's tasks before the update: %+v; want 3", before)
	}
	url, edgeTask := edgeURL(t, ctx, cluster, st)

	broken := swarmStack(t, st.Project, 3)
	for i := range broken.Services {
		if svc := &broken.Services[i]; svc.Name == "web" {
			svc.Environment = append(svc.Environment, stack.EnvVar{Name: "POSTGRES_PORT", Value: "1"})
			svc.Healthcheck = &stack.Healthcheck{Test: []string{"CMD", "/app", "healthcheck", "/readyz"}, Interval: time.Second, Timeout: time.Second, Retries: 1}
		}
	}
	began := time.Now()
	load := stacktest.StartHTTPLoad(url, loadClients)
	_, err := orch.Up(ctx, broken, backend.UpOptions{WaitTimeout: 3 * time.Minute})
	var failed *backend.ServiceFailedError
	if !errors.As(err, &failed) || failed.Service != "web" || !strings.HasPrefix(failed.Task, name) || failed.Node == "" {
		load.Finish(t, "broken update of web")
		t.Fatalf("up with a broken web: %v; want a ServiceFailedError naming web's task and its node", err)
	}

	// The swarm rolls back on its own.
	deadline := time.Now().Add(2 * time.Minute)
	var state string
	for time.Now().Before(deadline) {
		s, err := cluster.Manager.ServiceInspect(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if state = s.Update.State; state == "rollback_completed" {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	load.Finish(t, fmt.Sprintf("broken update of web and its rollback (%s)", time.Since(began).Round(time.Second)))
	logEdgeRetries(t, ctx, cluster, edgeTask, began)
	if state != "rollback_completed" {
		t.Fatalf("web's update state is %q, want rollback_completed", state)
	}
	assertRolledBackStartFirst(t, ctx, cluster, name, before)
	if seen := replicasAnswering(t, ctx, url, 30); len(seen) < 2 {
		t.Errorf("after the rollback 30 requests through the edge were answered by %v, want several replicas", seen)
	}
}
