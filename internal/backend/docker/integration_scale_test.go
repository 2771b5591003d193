package docker_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// rollEnv is one scaled stack on the real engine, built from a private copy
// of app/ so the test can change the build context.
type rollEnv struct {
	t       *testing.T
	cli     *engine.Client
	orch    *orchestrator.Orchestrator
	project string
	appDir  string
	// webPort is web's host port, "" for one the engine chooses.
	webPort string
}

func newRollEnv(t *testing.T) *rollEnv {
	t.Helper()
	cli := enginetest.Connect(t)
	e := &rollEnv{t: t, cli: cli, orch: newOrchestrator(t, cli, rollLog{t}), project: enginetest.ProjectName(t), appDir: rollCopyApp(t)}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		st := e.stack(1)
		if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true, Timeout: time.Second}); err != nil {
			t.Errorf("clean up project %s: %v", e.project, err)
		}
		// Every build of the changed app, not just the last one's tag.
		if err := enginetest.RemoveProjectImages(ctx, e.project); err != nil {
			t.Errorf("clean up project %s: %v", e.project, err)
		}
	})
	return e
}

func (e *rollEnv) stack(replicas int) *stack.Stack {
	return e.shaped(stack.Shape{Scale: map[string]int{"web": replicas}, Edge: true})
}

func (e *rollEnv) shaped(shape stack.Shape) *stack.Stack {
	return stacktest.Builtin(e.t, stacktest.Options{Project: e.project, AppDir: e.appDir, WebPort: e.webPort, Shape: shape})
}

// resolved is the stack as `stackctl` resolves it without --edge: web at
// replicas (0: no --scale), the rest as deployed, read from the engine.
func (e *rollEnv) resolved(ctx context.Context, replicas int) *stack.Stack {
	e.t.Helper()
	deployed, err := e.orch.Deployed(ctx, e.project)
	if err != nil {
		e.t.Fatalf("deployed shape: %v", err)
	}
	shape := stack.Shape{Deployed: deployed}
	if replicas > 0 {
		shape.Scale = map[string]int{"web": replicas}
	}
	return e.shaped(shape)
}

func (e *rollEnv) up(ctx context.Context, replicas int, opts backend.UpOptions) (orchestrator.UpResult, error) {
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 90 * time.Second
	}
	return e.orch.Up(ctx, e.stack(replicas), opts)
}

func (e *rollEnv) mustUp(ctx context.Context, replicas int) orchestrator.UpResult {
	e.t.Helper()
	res, err := e.up(ctx, replicas, backend.UpOptions{})
	if err != nil {
		e.t.Fatalf("up with %d web replicas: %v", replicas, err)
	}
	return res
}

// rollLog shows the orchestrator's progress in the test's log, so a failure
// comes with the sequence that led to it.
type rollLog struct{ t *testing.T }

func (l rollLog) Report(e progress.Event) {
	l.t.Logf("%s %-28s %s %s", e.Time.Format("15:04:05.000"), e.Resource, e.Status, e.Detail)
}

// rollCopyApp copies the repository's app/ to a temporary build context.
func rollCopyApp(t *testing.T) string {
	t.Helper()
	root, err := stacktest.RepoRoot()
	src := filepath.Join(root, "app")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	err = filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy app/: %v", err)
	}
	return dst
}

// writeFile adds a file to the copied app.
func (e *rollEnv) writeFile(file, content string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.appDir, file), []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// rewrite replaces old with new in a file of the copied app: a source
// change, as a developer makes one.
func (e *rollEnv) rewrite(file, old, new string) {
	e.t.Helper()
	path := filepath.Join(e.appDir, file)
	data, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		e.t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func rollEdgePort(t *testing.T, res orchestrator.UpResult) int {
	t.Helper()
	for _, c := range res.Containers {
		if c.Service == "web-edge" {
			// The IPv4 one: for port 0 the engine may pick another one
			// for IPv6.
			for _, p := range c.Ports {
				if p.HostPort != 0 && (p.HostIP == "0.0.0.0" || p.HostIP == "") {
					return p.HostPort
				}
			}
		}
	}
	t.Fatalf("the edge publishes no port: %+v", res.Containers)
	return 0
}

var servedBy = regexp.MustCompile(`served_by=(\S+)`)

// startLoad sends requests to the edge on loopback until stopped, one
// client, counting every failure.
func startLoad(port int) *stacktest.HTTPLoad {
	return stacktest.StartHTTPLoad(fmt.Sprintf("http://127.0.0.1:%d/", port), 1)
}

// upResolved runs Up of the stack resolved with web at replicas (0: as
// deployed), and fails the test if it fails.
func (e *rollEnv) upResolved(ctx context.Context, replicas int) {
	e.t.Helper()
	if _, err := e.orch.Up(ctx, e.resolved(ctx, replicas), backend.UpOptions{WaitTimeout: 90 * time.Second}); err != nil {
		e.t.Fatalf("up with web at %d replicas (0: as deployed): %v", replicas, err)
	}
}

// ps lists the project's containers.
func (e *rollEnv) ps(ctx context.Context) []backend.ContainerStatus {
	e.t.Helper()
	ps, err := e.orch.PS(ctx, e.resolved(ctx, 0))
	if err != nil {
		e.t.Fatalf("ps: %v", err)
	}
	return ps
}

// rollPublished lists, by container name, the host ports of the given
// service's containers (each once, though the engine binds IPv4 and IPv6).
func rollPublished(ps []backend.ContainerStatus, service string) map[string][]int {
	out := map[string][]int{}
	for _, c := range ps {
		if c.Service != service {
			continue
		}
		out[c.Name] = []int{}
		for _, p := range c.Ports {
			out[c.Name] = append(out[c.Name], p.HostPort)
		}
		slices.Sort(out[c.Name])
		out[c.Name] = slices.Compact(out[c.Name])
	}
	return out
}

// checkBehindEdge checks that web runs replicas replicas, none publishing
// a port, and that its edge publishes port and serves.
func (e *rollEnv) checkBehindEdge(ctx context.Context, when string, replicas, port int) []backend.ContainerStatus {
	e.t.Helper()
	ps := e.ps(ctx)
	web, edge := rollPublished(ps, "web"), rollPublished(ps, "web-edge")
	if len(web) != replicas {
		e.t.Errorf("%s: web runs %d replicas %v, want %d", when, len(web), web, replicas)
	}
	for name, ports := range web {
		if len(ports) > 0 {
			e.t.Errorf("%s: replica %s publishes %v; behind the edge it publishes nothing", when, name, ports)
		}
	}
	if len(edge) != 1 || !slices.Equal(slices.Collect(maps.Values(edge))[0], []int{port}) {
		e.t.Errorf("%s: the edge publishes %v, want one edge on port %d", when, edge, port)
	}
	if body := rollGet(e.t, port); !strings.HasPrefix(body, "Hello") {
		e.t.Errorf("%s: GET / on port %d = %q", when, port, body)
	}
	if got := strings.Count(e.edgeConfig(ctx), "max_fails="); got != replicas {
		e.t.Errorf("%s: the edge's upstream lists %d servers, want %d", when, got, replicas)
	}
	return ps
}

// checkSpread sends 60 requests through the edge and checks every web
// replica answered some.
func (e *rollEnv) checkSpread(ctx context.Context, when string, port int) {
	e.t.Helper()
	seen := map[string]int{}
	for range 60 {
		if m := servedBy.FindStringSubmatch(rollGet(e.t, port)); m != nil {
			seen[m[1]]++
		}
	}
	// The app reports its hostname, the engine's default: the short ID.
	for _, c := range e.ps(ctx) {
		if c.Service == "web" && seen[images.ShortID(c.ID)] == 0 {
			e.t.Errorf("%s: replica %s (%s) served none of 60 requests (spread: %v)", when, c.Name, images.ShortID(c.ID), seen)
		}
	}
}

// TestScaleMovesWebBehindItsEdgeWhichStays starts web as the seed runs it,
// publishing its own fixed port, and scales it with `stackctl scale` and
// `stackctl up`: above one replica its edge takes over the port; scaling
// under a client loop drops no request and spreads them over every
// replica; back at one replica the edge stays on the port; and `up`
// without --scale keeps the deployed scale and edge, changing nothing.
func TestScaleMovesWebBehindItsEdgeWhichStays(t *testing.T) {
	itgParallel(t)
	e := newRollEnv(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	port := itgFreePort(t)
	e.webPort = strconv.Itoa(port)
	cli := itgBuildCLI(t, e.project, map[string]string{"APP_DIR": e.appDir, "WEB_PORT": e.webPort})

	// As the seed runs it: one replica on its own port, no edge.
	e.upResolved(ctx, 0)
	ps := e.ps(ctx)
	if web, edge := rollPublished(ps, "web"), rollPublished(ps, "web-edge"); len(web) != 1 || len(edge) != 0 ||
		!slices.Equal(slices.Collect(maps.Values(web))[0], []int{port}) {
		t.Fatalf("first up: web %v, edge %v; want one web replica on port %d and no edge", web, edge, port)
	}
	if body := rollGet(t, port); !strings.HasPrefix(body, "Hello") {
		t.Fatalf("GET / on web's port %d = %q", port, body)
	}

	// Above one replica the edge takes the port over.
	cli.mustRun(t, ctx, "--progress", "plain", "scale", "web=3")
	e.checkBehindEdge(ctx, "after stackctl scale web=3", 3, port)

	for _, n := range []int{2, 3} {
		load := startLoad(port)
		e.upResolved(ctx, n)
		load.Finish(t, fmt.Sprintf("scaling web to %d", n))
		e.checkBehindEdge(ctx, fmt.Sprintf("after scaling to %d", n), n, port)
		e.checkSpread(ctx, fmt.Sprintf("after scaling to %d", n), port)
	}

	// Back at one replica, the edge stays and keeps the port.
	load := startLoad(port)
	cli.mustRun(t, ctx, "--progress", "plain", "scale", "web=1")
	load.Finish(t, "stackctl scale web=1")
	ps = e.checkBehindEdge(ctx, "after stackctl scale web=1", 1, port)

	// up keeps what is deployed: one replica behind the edge, then three.
	for _, n := range []int{1, 3} {
		if n != 1 {
			e.upResolved(ctx, n)
			ps = e.checkBehindEdge(ctx, fmt.Sprintf("after scaling to %d", n), n, port)
		}
		_, stderr := cli.mustRun(t, ctx, "--progress", "plain", "up")
		if !strings.Contains(stderr, "up to date") {
			t.Errorf("stackctl up at %d replicas behind the edge changed something:\n%s", n, stderr)
		}
		again := e.checkBehindEdge(ctx, fmt.Sprintf("after stackctl up at %d replicas", n), n, port)
		if !maps.Equal(rollIDs(again), rollIDs(ps)) {
			t.Errorf("stackctl up at %d replicas replaced containers: %v, then %v", n, rollIDs(ps), rollIDs(again))
		}
	}
}

// rollIDs maps every container's name to its ID.
func rollIDs(ps []backend.ContainerStatus) map[string]string {
	ids := map[string]string{}
	for _, c := range ps {
		ids[c.Name] = c.ID
	}
	return ids
}

// rollWebIDs maps each web replica's name to its container's ID.
func rollWebIDs(containers []backend.ContainerStatus) map[string]string {
	ids := map[string]string{}
	for _, c := range containers {
		if c.Service == "web" {
			ids[c.Name] = c.ID
		}
	}
	return ids
}

// rollUnsteady is new code that is unsteady on replica 2 only (the
// container that the project's network resolves <project>-web-2 to is
// itself): its liveness check passes until it has answered a readiness
// check, and fails from then on. It passes the checks a new replica must
// pass to take traffic, and fails the one --min-ready adds. Its hostname,
// the short ID Compose leaves, does not say which replica it is.
const rollUnsteady = `package server

import (
	"net"
	"slices"
	"sync/atomic"
)

var answeredReady atomic.Bool

func unsteady(string) bool {
	return answeredReady.Load() && isReplica2()
}

func isReplica2() bool {
	addrs, err := net.LookupHost(replica2)
	if err != nil {
		return false
	}
	own, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range own {
		if ip, ok := a.(*net.IPNet); ok && slices.Contains(addrs, ip.IP.String()) {
			return true
		}
	}
	return false
}
`

// TestRollingUpdateInBatchesDropsNoRequestAndRollsBack updates three
// replicas behind the edge with `stackctl up` under a client loop, which
// must see no failed request: first two replicas at a time (--batch-size
// 2); then one at a time with --min-ready, with new code that replica 2
// does not stay healthy under. The update must then roll back replica 1,
// already replaced, to the previous version, leave every previous replica
// serving, and exit non-zero with replica 2's failing probe.
func TestRollingUpdateInBatchesDropsNoRequestAndRollsBack(t *testing.T) {
	itgParallel(t)
	e := newRollEnv(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	cli := itgBuildCLI(t, e.project, map[string]string{"APP_DIR": e.appDir, "WEB_PORT": "0"})
	res := e.mustUp(ctx, 3)
	port := rollEdgePort(t, res)
	before := rollWebIDs(res.Containers)
	svc, _ := e.stack(3).Service("web")
	replica := func(n int) string { return e.stack(3).ContainerName(svc, n) }
	edge := "container " + e.project + "-web-edge-1"

	e.rewrite("internal/server/handlers.go", `"Hello from the Go app`, `"Howdy from the Go app`)
	load := startLoad(port)
	began := time.Now()
	_, stderr := cli.mustRun(t, ctx, "--progress", "json", "up", "--batch-size", "2")
	load.Finish(t, "rolling update in batches of 2")
	t.Logf("rolling update of 3 replicas (build included) took %s", time.Since(began).Round(time.Millisecond))
	updated := rollWebIDs(e.ps(ctx))
	for name, id := range updated {
		if before[name] == id {
			t.Errorf("replica %s was not replaced by the rolling update", name)
		}
	}
	if len(updated) != 3 {
		t.Errorf("after the rolling update web has replicas %v, want 3", updated)
	}
	// Batches of two: replicas 1 and 2 are both created before the edge
	// routes to either, replica 3 only after.
	var order []string
	for _, ev := range cliEvents(t, stderr) {
		switch {
		case ev.Status == "creating" && strings.HasPrefix(ev.Resource, "container "+e.project+"-web-"):
			order = append(order, strings.TrimPrefix(ev.Resource, "container "))
		case ev.Status == "upstream" && ev.Resource == edge && len(order) > 0:
			order = append(order, "route")
		}
	}
	if len(order) < 4 || !slices.Contains(order[:2], replica(1)) || !slices.Contains(order[:2], replica(2)) ||
		order[2] != "route" || order[3] != replica(3) {
		t.Errorf("with --batch-size 2, replicas were created and routed in the order %q; want replicas 1 and 2, a route, then replica 3", order)
	}
	if body := rollGet(t, port); !strings.HasPrefix(body, "Howdy") {
		t.Errorf("after the rolling update the edge serves %q, want the new greeting", body)
	}

	e.writeFile("internal/server/unsteady.go", rollUnsteady+fmt.Sprintf("\nconst replica2 = %q\n", replica(2)))
	e.rewrite("internal/server/handlers.go", "func (h handlers) healthz(w http.ResponseWriter, _ *http.Request) {\n",
		"func (h handlers) healthz(w http.ResponseWriter, _ *http.Request) {\n\tif unsteady(h.hostname) {\n\t\twriteText(w, http.StatusInternalServerError, \"deliberately unsteady\")\n\t\treturn\n\t}\n")
	e.rewrite("internal/server/handlers.go", "\twriteJSON(w, status, response)\n}\n\nfunc state(",
		"\tif status == http.StatusOK {\n\t\tansweredReady.Store(true)\n\t}\n\twriteJSON(w, status, response)\n}\n\nfunc state(")
	e.rewrite("internal/server/handlers.go", `"Howdy from the Go app`, `"Bonjour from the Go app`)
	load = startLoad(port)
	_, stderr, err := cli.run(ctx, "--progress", "json", "up", "--batch-size", "1", "--min-ready", "2s", "--wait-timeout", "1m")
	load.Finish(t, "failed rolling update")
	if err == nil {
		t.Fatal("stackctl up with new code that replica 2 does not stay healthy under succeeded")
	}
	events, failure := cliFailure(t, stderr)
	t.Logf("the failed rollout said: %s", failure)
	for _, want := range []string{
		fmt.Sprintf("service web (container %s) did not stay healthy for 2s", replica(2)),
		"--- last probe by stackctl ---", "status 500",
	} {
		if !strings.Contains(failure, want) {
			t.Errorf("the error does not say %q:\n%s", want, failure)
		}
	}
	if strings.Contains(failure, "roll back") {
		t.Errorf("the rollback itself failed:\n%s", failure)
	}
	rolledBack := slices.ContainsFunc(events, func(ev progress.Event) bool {
		return ev.Resource == "container "+replica(1) && ev.Status == "rolled back" && ev.Detail == "the previous version serves again"
	})
	if !rolledBack {
		t.Errorf("no event says replica 1, replaced before replica 2 failed, was rolled back to the previous version")
	}

	after := e.ps(ctx)
	for _, c := range after {
		if c.Service == "web" && (updated[c.Name] != c.ID || c.State != "running") {
			t.Errorf("after the rollback %s is %s (%s), want the previous container %s running", c.Name, c.ID, c.State, updated[c.Name])
		}
	}
	if got := rollWebIDs(after); len(got) != 3 {
		t.Errorf("after the rollback web has containers %v, want the 3 previous ones and nothing parked", got)
	}
	served := map[string]int{}
	for range 30 {
		served[strings.Fields(rollGet(t, port))[0]]++
	}
	if len(served) != 1 || served["Howdy"] != 30 {
		t.Errorf("after the rollback the edge's answers begin %v, want the previous version's Howdy only", served)
	}
}

func rollGet(t *testing.T, port int) string {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		t.Fatalf("GET through the edge: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func (e *rollEnv) edgeConfig(ctx context.Context) string {
	e.t.Helper()
	st := e.stack(1)
	edge, _ := st.Service("web-edge")
	res, err := e.cli.Exec(ctx, st.ContainerName(edge, 1), []string{"cat", "/etc/nginx/conf.d/default.conf"})
	if err != nil || res.ExitCode != 0 {
		e.t.Fatalf("read the edge's config: %v %s", err, res.Output)
	}
	return res.Output
}

// One replica behind its edge, replaced three times under a client loop,
// drops no request: the edge routes to the new replica in one reload, and
// the old one goes only once the nginx workers that routed to it have
// exited. nginx -s reload retires them after it returns: an engine that
// answers the next exec fast enough (Docker 29's did) found none retiring
// yet, and the old replica went while they still routed to it.
func TestRedeployOfOneReplicaBehindItsEdgeDropsNoRequest(t *testing.T) {
	itgParallel(t)
	e := newRollEnv(t)
	ctx := enginetest.Context(t, 10*time.Minute)
	res := e.mustUp(ctx, 1)
	port := rollEdgePort(t, res)
	greeting := "Hello"
	for round := 1; round <= 3; round++ {
		before := rollWebIDs(res.Containers)
		next := fmt.Sprintf("Round %d", round)
		e.rewrite("internal/server/handlers.go", `"`+greeting+` from the Go app`, `"`+next+` from the Go app`)
		greeting = next
		load := startLoad(port)
		res = e.mustUp(ctx, 1)
		load.Finish(t, fmt.Sprintf("redeploy %d of one replica behind the edge", round))
		after := rollWebIDs(res.Containers)
		if len(after) != 1 || maps.Equal(before, after) {
			t.Errorf("redeploy %d: web's replicas %v, then %v: want one, replaced", round, before, after)
		}
		if body := rollGet(t, port); !strings.HasPrefix(body, next) {
			t.Errorf("redeploy %d: the edge serves %q, want the new greeting %q", round, body, next)
		}
	}
}
