package swarm_test

// The edge on a real swarm: nginx as a service on the labelled node, in
// front of web's tasks, and web's updates through it under a client loop.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/swarm"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// servedBy is the replica the app says answered.
var servedBy = regexp.MustCompile(`served_by=(\S+)`)

// edgeURL waits until the edge of web runs and answers, and returns its URL
// (its task's host port on its node) and its task. A port the engine chose
// may differ by address family on 20.10 (the task lists both): the one
// that answers on the node's IPv4 address is the URL.
func edgeURL(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack) (string, engine.Task) {
	t.Helper()
	name := swarm.ServiceName(st.Project, "web"+stack.EdgeSuffix)
	client := &http.Client{Timeout: time.Second}
	var (
		last    []engine.Task
		lastErr error
	)
	for range 100 {
		tasks, err := cluster.Manager.TaskList(ctx, engine.TaskFilter{Service: name, DesiredState: "running"})
		if err != nil {
			t.Fatal(err)
		}
		last = tasks
		if len(tasks) == 1 && tasks[0].State == "running" {
			tk := tasks[0]
			for _, p := range tk.Ports {
				url := fmt.Sprintf("http://%s:%d/", nodeAddrs(t, ctx, cluster)[tk.NodeID], p.HostPort)
				resp, err := client.Get(url)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						return url, tk
					}
					err = fmt.Errorf("GET %s: %s", url, resp.Status)
				}
				lastErr = err
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the edge %s has no running task that answers on a host port: %+v (last: %v)", name, last, lastErr)
	return "", engine.Task{}
}

// replicasAnswering sends n requests through url and counts the answers
// of each replica.
func replicasAnswering(t *testing.T, ctx context.Context, url string, n int) map[string]int {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	seen := map[string]int{}
	for range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s through the edge: %v", url, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := servedBy.FindStringSubmatch(string(body))
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("GET %s through the edge answered %s %q, want the app's page naming its replica", url, resp.Status, body)
		}
		seen[m[1]]++
	}
	return seen
}

// webTasks are web's tasks meant to run.
func webTasks(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, st *stack.Stack) []engine.Task {
	t.Helper()
	tasks, err := cluster.Manager.TaskList(ctx, engine.TaskFilter{Service: swarm.ServiceName(st.Project, "web"), DesiredState: "running"})
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

// loadClients is how many clients send requests at once: a request is in
// flight at any moment of an update, and nginx's resolver cache is shared
// by them.
const loadClients = 4

// logEdgeRetries logs what the edge's nginx says it retried since a time:
// how many requests it sent to another task after a first failed, and its
// first error lines, which name the task's address and why. The edge must
// run on the manager, whose engine this reads.
func logEdgeRetries(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, edgeTask engine.Task, since time.Time) {
	t.Helper()
	if edgeTask.NodeID != cluster.ManagerID {
		return
	}
	rc, err := cluster.ManagerAPI.ContainerLogs(ctx, edgeTask.ContainerID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Since: since.Format(time.RFC3339Nano)})
	if err != nil {
		t.Logf("the edge's logs: %v", err)
		return
	}
	defer rc.Close()
	var out strings.Builder
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil {
		t.Logf("the edge's logs: %v", err)
	}
	retried := 0
	var errs []string
	for line := range strings.Lines(out.String()) {
		// An access log line lists every task a request was sent to.
		if _, tried, ok := strings.Cut(line, " upstream="); ok && strings.Contains(tried, ", ") {
			retried++
		}
		if strings.Contains(line, "[error]") && len(errs) < 5 {
			errs = append(errs, strings.TrimSpace(line))
		}
	}
	t.Logf("the edge retried %d requests on another task; its first errors: %q", retried, errs)
}

// TestSwarmRollingUpdateThroughTheEdgeDropsNoRequest runs the built-in
// stack with web at three replicas on two nodes behind its edge: nginx as
// one task on the node stackctl labelled for it, publishing web's port
// (one the engine chose) in host mode, web publishing nothing. Answers
// come from several replicas. A rolling update of web (a changed
// environment: start-first, one task at a time) under a client loop
// through the edge fails no request.
func TestSwarmRollingUpdateThroughTheEdgeDropsNoRequest(t *testing.T) {
	cluster := enginetest.Swarm(t, 1)
	ctx := enginetest.Context(t, 10*time.Minute)
	orch, st := builtinUp(t, ctx, cluster, 3)

	url, edgeTask := edgeURL(t, ctx, cluster, st)
	nodes, err := cluster.Manager.NodeList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if labelled := n.Labels["io.stackctl.edge."+st.Project] == "true"; labelled != (n.ID == edgeTask.NodeID) {
			t.Errorf("node %s: labelled for the edge %v, runs the edge %v; want the edge on the one labelled node", n.Hostname, labelled, n.ID == edgeTask.NodeID)
		}
	}
	before := webTasks(t, ctx, cluster, st)
	onNodes := map[string]bool{}
	for _, tk := range before {
		onNodes[tk.NodeID] = true
		if len(tk.Ports) > 0 {
			t.Errorf("web task %d publishes %v behind its edge, want nothing", tk.Slot, tk.Ports)
		}
	}
	if len(before) != 3 || len(onNodes) != 2 {
		t.Fatalf("web runs %d tasks on %d nodes, want 3 on 2: %+v", len(before), len(onNodes), before)
	}
	if seen := replicasAnswering(t, ctx, url, 30); len(seen) < 2 {
		t.Errorf("30 requests through the edge were answered by %v, want several replicas", seen)
	}
	if d, err := orch.Deployed(ctx, st.Project); err != nil || !d.Edges["web"] {
		t.Errorf("deployed shape %+v (%v), want web behind its edge", d, err)
	}

	changed := swarmStack(t, st.Project, 3)
	for i := range changed.Services {
		if svc := &changed.Services[i]; svc.Name == "web" {
			svc.Environment = append(svc.Environment, stack.EnvVar{Name: "ROLLED", Value: "1"})
		}
	}
	began := time.Now()
	load := stacktest.StartHTTPLoad(url, loadClients)
	_, err = orch.Up(ctx, changed, backend.UpOptions{WaitTimeout: 4 * time.Minute})
	load.Finish(t, fmt.Sprintf("rolling update of web's 3 tasks (%s)", time.Since(began).Round(time.Second)))
	logEdgeRetries(t, ctx, cluster, edgeTask, began)
	if err != nil {
		t.Fatalf("up with web's environment changed: %v", err)
	}

	after := webTasks(t, ctx, cluster, st)
	for _, tk := range after {
		if tk.State != "running" || slices.ContainsFunc(before, func(b engine.Task) bool { return b.ID == tk.ID }) {
			t.Errorf("web task %d (%s) is %s after the update; want every task replaced and running", tk.Slot, tk.ID, tk.State)
		}
	}
	if len(after) != 3 {
		t.Errorf("web runs %d tasks after the update, want 3", len(after))
	}
	if again, _ := edgeURL(t, ctx, cluster, st); again != url {
		t.Errorf("the edge moved from %s to %s while web was updated", url, again)
	}
	if seen := replicasAnswering(t, ctx, url, 30); len(seen) < 2 {
		t.Errorf("after the update 30 requests through the edge were answered by %v, want several replicas", seen)
	}
}
