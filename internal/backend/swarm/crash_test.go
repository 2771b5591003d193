package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// fakeCluster is a swarm in memory, as kill sees it: nodes, services and
// their tasks. A task's container is on its node's engine (fakeNode). A
// task the swarm made after a crash goes ready, starting, running, one
// step per look at the tasks, as a swarm holds a task with a healthcheck
// in starting until its first probe passes.
type fakeCluster struct {
	mu       sync.Mutex
	nodes    []engine.Node
	services []engine.Service
	tasks    []engine.Task
	pids     map[string]int // by container ID
	nextID   int
	// ready says what a readiness probe in a container exits with
	// (default 0); execs records each probe as "node container".
	ready func(container string) int
	execs []string
}

func (c *fakeCluster) addService(name, condition string) engine.Service {
	s := engine.Service{ID: "svc-" + name, Name: name}
	s.Spec.TaskTemplate.RestartPolicy = &swarmapi.RestartPolicy{Condition: swarmapi.RestartPolicyCondition(condition)}
	c.services = append(c.services, s)
	return s
}

// addTask adds a running task of service in slot on node.
func (c *fakeCluster) addTask(service string, slot int, node, state string) engine.Task {
	c.nextID++
	id := fmt.Sprintf("task%02d%s", c.nextID, strings.Repeat("x", 20))
	t := engine.Task{
		ID: id, ServiceID: "svc-" + service, Slot: slot, NodeID: node, DesiredState: "running", State: state,
		ContainerID: "ctr-" + id, Created: time.Unix(int64(c.nextID), 0),
	}
	if c.pids == nil {
		c.pids = map[string]int{}
	}
	c.pids[t.ContainerID] = 1000 + c.nextID
	c.tasks = append(c.tasks, t)
	return t
}

// crash kills the task whose container runs pid on node, as the swarm
// sees a SIGKILL: the task fails with 137 and, but for restart condition
// none, a new task takes its slot. It says whether there was one.
func (c *fakeCluster) crash(node string, pid int) bool {
	for i, t := range c.tasks {
		if t.NodeID != node || t.State != "running" || c.pids[t.ContainerID] != pid {
			continue
		}
		c.tasks[i].State, c.tasks[i].DesiredState, c.tasks[i].ExitCode = "failed", "shutdown", 137
		s := c.service(t.ServiceID)
		if s.Spec.TaskTemplate.RestartPolicy.Condition != swarmapi.RestartPolicyConditionNone {
			c.addTask(strings.TrimPrefix(t.ServiceID, "svc-"), t.Slot, t.NodeID, "ready")
		}
		return true
	}
	return false
}

func (c *fakeCluster) service(ref string) engine.Service {
	for _, s := range c.services {
		if s.ID == ref || s.Name == ref {
			return s
		}
	}
	return engine.Service{}
}

// fakeNode is the engine of one node of a fakeCluster. What kill does not
// ask of an engine is left to the nil Engine, and panics.
type fakeNode struct {
	Engine
	c  *fakeCluster
	id string

	mu      sync.Mutex
	created []engine.ContainerSpec
	removed []string
	images  map[string]bool
	exited  map[string]int // helpers that ran, by ID: their exit codes
}

func newFakeNode(c *fakeCluster, id string) *fakeNode {
	return &fakeNode{c: c, id: id, images: map[string]bool{}, exited: map[string]int{}}
}

func (n *fakeNode) SwarmInspect(context.Context) (engine.SwarmState, error) {
	return engine.SwarmState{NodeID: n.id, State: "active", Manager: true}, nil
}

func (n *fakeNode) NodeList(context.Context) ([]engine.Node, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	return slices.Clone(n.c.nodes), nil
}

func (n *fakeNode) ServiceInspect(_ context.Context, ref string) (engine.Service, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	if s := n.c.service(ref); s.ID != "" {
		return s, nil
	}
	return engine.Service{}, fmt.Errorf("service %s: %w", ref, engine.ErrNotFound)
}

// TaskList lists the tasks f selects, after moving each task the swarm
// is starting one step on.
func (n *fakeNode) TaskList(_ context.Context, f engine.TaskFilter) ([]engine.Task, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	var out []engine.Task
	for i := range n.c.tasks {
		t := &n.c.tasks[i]
		switch t.State {
		case "ready":
			t.State = "starting"
		case "starting":
			t.State = "running"
		}
		s := n.c.service(t.ServiceID)
		if (f.Service == "" || f.Service == s.ID || f.Service == s.Name) && (f.DesiredState == "" || f.DesiredState == t.DesiredState) {
			out = append(out, *t)
		}
	}
	return out, nil
}

func (n *fakeNode) ServiceLogs(context.Context, string, engine.LogsOptions, io.Writer, io.Writer) error {
	return nil
}

func (n *fakeNode) ContainerInspect(_ context.Context, ref string) (engine.Container, error) {
	n.mu.Lock()
	code, helper := n.exited[ref]
	n.mu.Unlock()
	if helper {
		return engine.Container{ID: ref, Name: ref, Status: "exited", ExitCode: code}, nil
	}
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	for _, t := range n.c.tasks {
		if t.ContainerID == ref && t.NodeID == n.id {
			status := "exited"
			if t.State == "running" || t.State == "starting" {
				status = "running"
			}
			return engine.Container{ID: ref, Name: fmt.Sprintf("%s.%d.%s", n.c.service(t.ServiceID).Name, t.Slot, t.ID), Status: status, Pid: n.c.pids[ref]}, nil
		}
	}
	return engine.Container{}, fmt.Errorf("container %s: %w", ref, engine.ErrNotFound)
}

func (n *fakeNode) ContainerCreate(_ context.Context, spec engine.ContainerSpec) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.created = append(n.created, spec)
	return spec.Name, nil
}

// ContainerStart runs a crash helper: SIGKILL to the PID it is given, on
// this node.
func (n *fakeNode) ContainerStart(_ context.Context, ref string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := slices.IndexFunc(n.created, func(s engine.ContainerSpec) bool { return s.Name == ref })
	pid, _ := strconv.Atoi(strings.Join(n.created[i].Cmd, ""))
	n.c.mu.Lock()
	killed := n.c.crash(n.id, pid)
	n.c.mu.Unlock()
	n.exited[ref] = 1
	if killed {
		n.exited[ref] = 0
	}
	return nil
}

func (n *fakeNode) ContainerRemove(_ context.Context, ref string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.removed = append(n.removed, ref)
	return nil
}

func (n *fakeNode) ContainerLogs(context.Context, string, engine.LogsOptions, io.Writer, io.Writer) error {
	return nil
}

func (n *fakeNode) ImageInspect(_ context.Context, ref string) (engine.Image, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.images[ref] {
		return engine.Image{ID: ref}, nil
	}
	return engine.Image{}, engine.ErrNotFound
}

func (n *fakeNode) ImageCreate(_ context.Context, ref string, _ []engine.ImageFile, _ map[string]string, _ []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.images[ref] = true
	return nil
}

// IsLocal is false: the fake has no host processes, so every kill goes
// through a helper container on the task's node.
func (n *fakeNode) IsLocal() bool { return false }

func (n *fakeNode) Platform(context.Context) (string, error) { return "linux/" + runtime.GOARCH, nil }

func (n *fakeNode) Exec(_ context.Context, ref string, _ []string) (engine.ExecResult, error) {
	n.c.mu.Lock()
	defer n.c.mu.Unlock()
	n.c.execs = append(n.c.execs, n.id+" "+ref)
	code := 0
	if n.c.ready != nil {
		code = n.c.ready(ref)
	}
	return engine.ExecResult{ExitCode: code}, nil
}

// crashFixture is a swarm of a manager (mgr) and a worker (w1), with the
// stack's db (healthcheck, restart condition any) on the manager and its
// web (readiness, depends on db) in slot 1 on the manager and slot 2 on the
// worker.
type crashFixture struct {
	c        *fakeCluster
	mgr, w1  *fakeNode
	st       *stack.Stack
	db       engine.Task
	web      [2]engine.Task
	dialled  []string
	backend  *Backend
	bin      string
	dialNode *fakeNode // what dial returns (default w1)
}

func newCrashFixture(t *testing.T, opts ...Option) *crashFixture {
	t.Helper()
	c := &fakeCluster{nodes: []engine.Node{
		{ID: "mgr", Hostname: "mgr", Role: "manager", Addr: "10.0.0.2"},
		{ID: "w1", Hostname: "worker-1", Role: "worker", Addr: "10.0.0.7"},
	}}
	f := &crashFixture{c: c, mgr: newFakeNode(c, "mgr"), w1: newFakeNode(c, "w1"), bin: stacktest.StaticStackctl(t)}
	f.dialNode = f.w1
	f.st = &stack.Stack{Project: "p", Services: []stack.Service{
		{Name: "db", Image: "postgres:15", Replicas: 1, Healthcheck: &stack.Healthcheck{Test: []string{"CMD", "pg_isready"}}},
		{Name: "web", Image: "app", Replicas: 2, DependsOn: []stack.Dependency{{Service: "db", Condition: stack.ServiceHealthy}},
			Readiness: []string{"CMD", "/app", "healthcheck", "/readyz"}},
	}}
	c.addService("p_db", "any")
	c.addService("p_web", "any")
	f.db = c.addTask("p_db", 1, "mgr", "running")
	f.web[0] = c.addTask("p_web", 1, "mgr", "running")
	f.web[1] = c.addTask("p_web", 2, "w1", "running")
	f.backend = New(f.mgr, nil, append([]Option{WithCrashHelper(f.bin)}, opts...)...)
	f.backend.poll = time.Millisecond
	f.backend.dial = func(_ context.Context, host string) (NodeEngine, func(), error) {
		f.dialled = append(f.dialled, host)
		return f.dialNode, func() {}, nil
	}
	return f
}

func (f *crashFixture) crash(t *testing.T, service, replica string) (backend.CrashReport, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.backend.Crash(ctx, f.st, backend.CrashOptions{Service: service, Replica: replica, WaitTimeout: 5 * time.Second})
}

func whats(r backend.CrashReport) []string {
	var out []string
	for _, m := range r.Timeline {
		out = append(out, m.What)
	}
	return out
}

// checkHelper checks that one crash helper ran on node n, against pid, and
// went; and none on the others.
func checkHelper(t *testing.T, n *fakeNode, pid int, others ...*fakeNode) {
	t.Helper()
	if len(n.created) != 1 || !slices.Equal(n.created[0].Cmd, []string{strconv.Itoa(pid)}) || n.created[0].PidMode != "host" {
		t.Errorf("helpers created on node %s: %+v; want one, in the host's PID namespace, given PID %d", n.id, n.created, pid)
	} else if !slices.Equal(n.removed, []string{n.created[0].Name}) {
		t.Errorf("removed on node %s: %v, want the helper %s", n.id, n.removed, n.created[0].Name)
	}
	for _, o := range others {
		if len(o.created) > 0 {
			t.Errorf("node %s created %+v; the crash was not its to make", o.id, o.created)
		}
	}
}

// Kill db, on the manager: its task fails with 137, the swarm makes a new
// task in its slot, which starts and turns healthy, and web serves again,
// probed where stackctl reaches it (its task on the manager) and said to
// be unprobed on the worker, whose engine it was not given.
func TestCrashOnTheManagerTimesTheSwarmsNewTask(t *testing.T) {
	f := newCrashFixture(t)
	report, err := f.crash(t, "db", "")
	if err != nil {
		t.Fatalf("crash db: %v", err)
	}
	pid := f.c.pids[f.db.ContainerID]
	if want := fmt.Sprintf("SIGKILL to host PID %d from a helper container on node mgr", pid); report.Method != want {
		t.Errorf("method %q, want %q", report.Method, want)
	}
	checkHelper(t, f.mgr, pid, f.w1)
	next, ok := replacementOf(f.c.tasks, f.db)
	if !ok {
		t.Fatal("no new db task")
	}
	want := []string{
		"task failed (SIGKILL, exit 137)",
		"new task " + shortID(next.ID) + " created",
		"new task started on node mgr",
		"healthy",
		"web serving again (1 task(s) probed; not those on worker-1, whose engine stackctl was not given)",
	}
	if got := whats(report); !slices.Equal(got, want) {
		t.Errorf("timeline\n%q\nwant\n%q", got, want)
	}
	for i := 1; i < len(report.Timeline); i++ {
		if report.Timeline[i].After < report.Timeline[i-1].After {
			t.Errorf("milestone %d (%s) is timed before the one before it", i, report.Timeline[i].What)
		}
	}
	if report.Container != fmt.Sprintf("p_db.1.%s", f.db.ID) || report.RestartPolicy != "any" || report.Service != "db" {
		t.Errorf("report %+v: want db's task container and restart condition any", report)
	}
	if want := []string{"mgr " + f.web[0].ContainerID}; !slices.Equal(f.c.execs, want) {
		t.Errorf("readiness probes %v, want %v", f.c.execs, want)
	}
	if len(f.dialled) > 0 {
		t.Errorf("dialled %v without --node-engine", f.dialled)
	}
}

// A task on a worker whose engine stackctl was not given is not crashed:
// the error names the task, its node and address, and the flag that
// names that node's engine.
func TestCrashOnAWorkerWithoutItsEngineSaysWhatToDo(t *testing.T) {
	f := newCrashFixture(t)
	report, err := f.crash(t, "web", "web-2")
	if !errors.Is(err, ErrNodeNotReached) {
		t.Fatalf("crash of web-2 on the worker: %v, want ErrNodeNotReached", err)
	}
	for _, want := range []string{"task p_web.2 (" + shortID(f.web[1].ID) + ")", "node worker-1 (address 10.0.0.7)", "node mgr only",
		"--node-engine worker-1=tcp://10.0.0.7:PORT kill web web-2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if report.Container != "" || len(f.mgr.created)+len(f.w1.created) > 0 || len(f.dialled) > 0 {
		t.Errorf("report %+v, helpers %v %v, dialled %v: want nothing done", report, f.mgr.created, f.w1.created, f.dialled)
	}
	if f.c.tasks[2].State != "running" {
		t.Errorf("web-2 is %s, want it left running", f.c.tasks[2].State)
	}
}

// With the worker's engine named, the crash goes through it: the helper
// runs there, against the PID its engine reports, and web's new task is
// timed as db's was.
func TestCrashOnAWorkerThroughItsEngine(t *testing.T) {
	f := newCrashFixture(t, WithNodeEngines(map[string]string{"worker-1": "tcp://10.0.0.7:2375"}))
	report, err := f.crash(t, "web", "web-2")
	if err != nil {
		t.Fatalf("crash web-2 through worker-1's engine: %v", err)
	}
	if !slices.Equal(f.dialled, []string{"tcp://10.0.0.7:2375"}) {
		t.Errorf("dialled %v, want worker-1's engine once", f.dialled)
	}
	pid := f.c.pids[f.web[1].ContainerID]
	checkHelper(t, f.w1, pid, f.mgr)
	if !strings.HasSuffix(report.Method, "from a helper container on node worker-1") {
		t.Errorf("method %q, want the helper on worker-1", report.Method)
	}
	next, _ := replacementOf(f.c.tasks, f.web[1])
	want := []string{"task failed (SIGKILL, exit 137)", "new task " + shortID(next.ID) + " created", "new task started on node worker-1"}
	if got := whats(report); !slices.Equal(got, want) {
		t.Errorf("timeline %q, want %q (web has no healthcheck and no dependents)", got, want)
	}
}

// An address given for a node whose engine is another node's is refused
// before anything is signalled: a PID means something on its node only.
func TestCrashRefusesTheEngineOfAnotherNode(t *testing.T) {
	f := newCrashFixture(t, WithNodeEngines(map[string]string{"w1": "tcp://10.0.0.2:2375"}))
	f.dialNode = f.mgr
	_, err := f.crash(t, "web", "p_web.2")
	if err == nil || !strings.Contains(err.Error(), "given for node worker-1 (w1), is node mgr") {
		t.Fatalf("crash through the manager's engine given for worker-1: %v, want it refused", err)
	}
	if len(f.mgr.created)+len(f.w1.created) > 0 {
		t.Errorf("helpers were created: %v %v", f.mgr.created, f.w1.created)
	}
}

// Restart condition none: the task fails and the swarm makes no new one,
// which kill says at once instead of waiting for one.
func TestCrashWithRestartConditionNoneSaysNoNewTask(t *testing.T) {
	f := newCrashFixture(t)
	f.c.services[0].Spec.TaskTemplate.RestartPolicy.Condition = swarmapi.RestartPolicyConditionNone
	report, err := f.crash(t, "db", "")
	if err == nil || !strings.Contains(err.Error(), "restart condition is none") {
		t.Fatalf("crash of a db that is not restarted: %v, want it said", err)
	}
	if got := whats(report); !slices.Equal(got, []string{"task failed (SIGKILL, exit 137)"}) {
		t.Errorf("timeline %q, want the failure alone", got)
	}
}

// Without a replica named, kill picks a running task on a node it
// reaches; a replica is named as SERVICE-N, as ps names the task, or by
// task ID, and one that does not exist is refused with those there are.
func TestPickTask(t *testing.T) {
	s := engine.Service{Name: "p_web"}
	tasks := []engine.Task{
		{ID: "a1234567890123", Slot: 1, NodeID: "w1", DesiredState: "running", State: "running"},
		{ID: "b1234567890123", Slot: 2, NodeID: "mgr", DesiredState: "running", State: "running"},
		{ID: "c1234567890123", Slot: 3, NodeID: "w2", DesiredState: "running", State: "starting"},
		{ID: "d1234567890123", Slot: 2, NodeID: "w1", DesiredState: "shutdown", State: "failed"},
	}
	onManager := func(node string) bool { return node == "mgr" }
	for _, tt := range []struct{ replica, want string }{
		{"", "b1234567890123"},
		{"web-1", "a1234567890123"},
		{"p_web.2", "b1234567890123"},
		{"a1234567890123", "a1234567890123"},
		{"a12345678901", "a1234567890123"},
	} {
		got, err := pickTask(s, "web", tasks, tt.replica, onManager)
		if err != nil || got.ID != tt.want {
			t.Errorf("pick %q: %s, %v; want %s", tt.replica, got.ID, err, tt.want)
		}
	}
	if got, err := pickTask(s, "web", tasks, "", func(string) bool { return false }); err != nil || got.ID != "a1234567890123" {
		t.Errorf("pick with no node reached: %s, %v; want the first running task", got.ID, err)
	}
	if _, err := pickTask(s, "web", tasks, "web-3", onManager); err == nil || !strings.Contains(err.Error(), "starting, not running") {
		t.Errorf("pick of a starting task: %v, want it refused", err)
	}
	_, err := pickTask(s, "web", tasks, "web-7", onManager)
	if err == nil || !strings.Contains(err.Error(), `no replica "web-7"`) || !strings.Contains(err.Error(), "web-1 (p_web.1)") {
		t.Errorf("pick of a missing replica: %v, want the replicas there are", err)
	}
}

// A removed job's tasks leave their exited containers on their nodes
// (moby/moby#44312): down removes the one on the node it reaches and names
// the one on the worker it does not, with what removes it; the tasks of a
// service that is not a job are the swarm's to remove.
func TestDownRemovesTheContainersARemovedJobLeaves(t *testing.T) {
	f := newCrashFixture(t)
	rec := &progress.Recorder{}
	f.backend.progress = rec
	job := f.c.addService("p_migrate", "none")
	job.Spec.Mode.ReplicatedJob = &swarmapi.ReplicatedJob{}
	f.c.services[len(f.c.services)-1] = job
	onMgr := f.c.addTask("p_migrate", 0, "mgr", "complete")
	onWorker := f.c.addTask("p_migrate", 0, "w1", "failed")
	ctx := context.Background()

	tasks, err := f.backend.jobTasks(ctx, job)
	if err != nil || len(tasks) != 2 {
		t.Fatalf("job tasks = %+v, %v; want its 2 tasks", tasks, err)
	}
	if web, err := f.backend.jobTasks(ctx, f.c.service("p_web")); err != nil || len(web) != 0 {
		t.Errorf("tasks of web, not a job: %+v, %v; want none", web, err)
	}
	if err := f.backend.removeJobContainers(ctx, job, tasks); err != nil {
		t.Fatalf("remove the job's containers: %v", err)
	}
	if !slices.Equal(f.mgr.removed, []string{onMgr.ContainerID}) || len(f.w1.removed) > 0 || len(f.dialled) > 0 {
		t.Errorf("removed on the manager %v, on the worker %v, dialled %v; want only %s, on the manager", f.mgr.removed, f.w1.removed, f.dialled, onMgr.ContainerID)
	}
	var warned []string
	for _, e := range rec.Events() {
		if e.Level == "warning" {
			warned = append(warned, e.Resource+": "+e.Detail)
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "node worker-1") || !strings.Contains(warned[0], "docker rm "+shortID(onWorker.ContainerID)) {
		t.Errorf("warnings %q; want one naming node worker-1 and `docker rm %s`", warned, shortID(onWorker.ContainerID))
	}
}

// With the worker's engine given, the job's container there goes too.
func TestDownRemovesAJobsContainerThroughItsNodesEngine(t *testing.T) {
	f := newCrashFixture(t, WithNodeEngines(map[string]string{"worker-1": "tcp://10.0.0.7:2375"}))
	job := f.c.addService("p_migrate", "none")
	job.Spec.Mode.ReplicatedJob = &swarmapi.ReplicatedJob{}
	f.c.services[len(f.c.services)-1] = job
	onWorker := f.c.addTask("p_migrate", 0, "w1", "complete")
	ctx := context.Background()
	tasks, err := f.backend.jobTasks(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.backend.removeJobContainers(ctx, job, tasks); err != nil {
		t.Fatalf("remove the job's containers: %v", err)
	}
	if !slices.Equal(f.w1.removed, []string{onWorker.ContainerID}) || len(f.mgr.removed) > 0 {
		t.Errorf("removed on the worker %v, on the manager %v; want %s on the worker", f.w1.removed, f.mgr.removed, onWorker.ContainerID)
	}
}
