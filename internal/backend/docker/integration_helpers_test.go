package docker_test

// Shared helpers of the orchestrator's integration tests: they run the
// orchestrator against the real engine, each test under its own project, and
// leave nothing of that project behind.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/docker"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// itgStackSlots bounds how many tests run stack containers at once: the
// machine has two cores, and postgres initdb plus a Go build per stack is
// heavy.
var itgStackSlots = make(chan struct{}, 2)

// itgParallel marks a test parallel and holds one of the stack slots until
// it ends.
func itgParallel(t *testing.T) {
	t.Helper()
	t.Parallel()
	itgStackSlots <- struct{}{}
	t.Cleanup(func() { <-itgStackSlots })
}

// itgEnv is what one integration test works with: the engine through the
// adapter, the raw API for what the adapter does not expose, an
// orchestrator, and the test's own project.
type itgEnv struct {
	t       *testing.T
	cli     *engine.Client
	api     *client.Client
	orch    *orchestrator.Orchestrator
	events  *itgRecorder
	project string
}

func newItgEnv(t *testing.T) *itgEnv {
	t.Helper()
	cli := enginetest.Connect(t)
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("raw docker client: %v", err)
	}
	t.Cleanup(func() { _ = api.Close() })
	rec := &itgRecorder{}
	t.Cleanup(func() {
		if t.Failed() {
			for _, ev := range rec.Events() {
				t.Logf("event %s %-40s %-12s %s", ev.Time.Format("15:04:05.000"), ev.Resource, ev.Status, ev.Detail)
			}
		}
	})
	return &itgEnv{
		t: t, cli: cli, api: api, events: rec,
		orch:    newOrchestrator(t, cli, rec),
		project: enginetest.ProjectName(t),
	}
}

// in is the same environment for subtest t, so that its helpers fail the
// subtest, not its parent.
func (e *itgEnv) in(t *testing.T) *itgEnv {
	sub := *e
	sub.t = t
	return &sub
}

// itgAppDir is the repository's app/, the web tier's build context.
func itgAppDir(t *testing.T) string {
	t.Helper()
	root, err := stacktest.RepoRoot()
	dir := filepath.Join(root, "app")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// defaultStack is the built-in stack under the test's project, web on a
// port the engine chooses.
func (e *itgEnv) defaultStack() *stack.Stack {
	itgWarmAppBuild(e.t, e.cli, e.api)
	return e.defaultStackFrom(itgAppDir(e.t))
}

var itgWarmOnce sync.Once

// itgWarmAppBuild builds app/ once per test run and keeps its build
// stage as the test build cache (enginetest.KeepBuildCache), so the
// tests' own builds (one per project) reuse its layers instead of
// compiling the app side by side, and the next run finds them too.
func itgWarmAppBuild(t *testing.T, cli *engine.Client, api *client.Client) {
	itgWarmOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := enginetest.KeepBuildCache(ctx, cli, api, itgAppDir(t), "app"); err != nil {
			t.Logf("warm-up build of app/: %v", err)
		}
	})
}

func (e *itgEnv) defaultStackFrom(appDir string) *stack.Stack {
	return stacktest.Builtin(e.t, stacktest.Options{
		Project: e.project, AppDir: appDir, Password: "itg-" + e.project,
	})
}

// cleanupProject takes the project down with its volumes when the test
// ends, removes the images built for it (the app image, and those its
// rebuilds replaced), and then checks that nothing labelled with the
// project is left on the engine.
func (e *itgEnv) cleanupProject(st *stack.Stack) {
	e.t.Helper()
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
			e.t.Errorf("cleanup: down %s: %v", st.ProjectName(), err)
		}
		if err := enginetest.RemoveProjectImages(ctx, st.ProjectName()); err != nil {
			e.t.Errorf("cleanup: %v", err)
		}
		if left := e.leftovers(ctx, st.ProjectName()); len(left) > 0 {
			e.t.Errorf("down with volumes left resources of project %s: %v", st.ProjectName(), left)
		}
	})
}

// leftovers lists the containers, networks and volumes labelled with project.
func (e *itgEnv) leftovers(ctx context.Context, project string) []string {
	args := filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+project))
	var left []string
	if cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args}); err == nil {
		for _, c := range cs {
			left = append(left, "container "+strings.Join(c.Names, ","))
		}
	} else {
		left = append(left, "list containers: "+err.Error())
	}
	if ns, err := e.api.NetworkList(ctx, network.ListOptions{Filters: args}); err == nil {
		for _, n := range ns {
			left = append(left, "network "+n.Name)
		}
	} else {
		left = append(left, "list networks: "+err.Error())
	}
	if vs, err := e.api.VolumeList(ctx, volume.ListOptions{Filters: args}); err == nil {
		for _, v := range vs.Volumes {
			left = append(left, "volume "+v.Name)
		}
	} else {
		left = append(left, "list volumes: "+err.Error())
	}
	return left
}

// writeAndLoad writes content as compose.yaml in a directory of the
// test's and loads it under the test's project; it returns the stack and
// the file.
func (e *itgEnv) writeAndLoad(ctx context.Context, content string) (*stack.Stack, string) {
	e.t.Helper()
	file := filepath.Join(e.t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return e.loadPath(ctx, file, nil), file
}

// loadPath loads file under the test's project, with env set on top of
// the process's environment.
func (e *itgEnv) loadPath(ctx context.Context, file string, env map[string]string) *stack.Stack {
	e.t.Helper()
	st, err := stack.Load(ctx, stack.LoadOptions{Files: []string{file}, ProjectName: e.project, Environment: env})
	if err != nil {
		e.t.Fatalf("load: %v", err)
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// composeStack is writeAndLoad's stack, taken down with its volumes when
// the test ends.
func (e *itgEnv) composeStack(ctx context.Context, content string) (*stack.Stack, string) {
	e.t.Helper()
	st, file := e.writeAndLoad(ctx, content)
	e.cleanupProject(st)
	return st, file
}

// up runs Up and fails the test on error.
func (e *itgEnv) up(ctx context.Context, st *stack.Stack, opts backend.UpOptions) orchestrator.UpResult {
	e.t.Helper()
	res, err := e.orch.Up(ctx, st, opts)
	if err != nil {
		e.t.Fatalf("up %s: %v", st.ProjectName(), err)
	}
	return res
}

// byService indexes containers by service; the default stack runs one
// container per service.
func itgByService(t *testing.T, cs []backend.ContainerStatus) map[string]backend.ContainerStatus {
	t.Helper()
	out := map[string]backend.ContainerStatus{}
	for _, c := range cs {
		if _, dup := out[c.Service]; dup {
			t.Fatalf("two containers of service %s: %+v", c.Service, cs)
		}
		out[c.Service] = c
	}
	return out
}

// inspect returns the container through the adapter.
func (e *itgEnv) inspect(ctx context.Context, ref string) engine.Container {
	e.t.Helper()
	c, err := e.cli.ContainerInspect(ctx, ref)
	if err != nil {
		e.t.Fatalf("inspect %s: %v", ref, err)
	}
	return c
}

// webPort is the host port web's container port 5000 is published on, on
// IPv4: for port 0 the engine may pick another one for IPv6.
func itgWebPort(t *testing.T, web backend.ContainerStatus) int {
	t.Helper()
	for _, p := range web.Ports {
		if p.ContainerPort == 5000 && p.HostPort > 0 && (p.HostIP == "0.0.0.0" || p.HostIP == "" || p.HostIP == "127.0.0.1") {
			return p.HostPort
		}
	}
	t.Fatalf("web publishes no host port for 5000: %+v", web.Ports)
	return 0
}

// httpGet fetches path from 127.0.0.1:port.
func itgGet(ctx context.Context, port int, path string) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", port, path), nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

const itgGreeting = "Hello from the Go app connected to Postgres & Redis!"

var itgVisitsRE = regexp.MustCompile(`visits=(\d+)`)

// visit GETs / once, checks the itgGreeting, and returns the visit total.
func itgVisit(t *testing.T, ctx context.Context, port int) int {
	t.Helper()
	status, body, err := itgGet(ctx, port, "/")
	if err != nil {
		t.Fatalf("GET / on 127.0.0.1:%d: %v", port, err)
	}
	if status != http.StatusOK || !strings.Contains(body, itgGreeting) {
		t.Fatalf("GET / on 127.0.0.1:%d = %d %q, want 200 with %q", port, status, body, itgGreeting)
	}
	m := itgVisitsRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET / body %q has no visits=N", body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// postgresReadyAt is when the db container's postgres first logged that it
// accepts connections, from the timestamp postgres puts on the line.
func (e *itgEnv) postgresReadyAt(ctx context.Context, id string) time.Time {
	e.t.Helper()
	var logs strings.Builder
	if err := e.cli.ContainerLogs(ctx, id, engine.LogsOptions{Tail: -1}, &logs, &logs); err != nil {
		e.t.Fatalf("db logs: %v", err)
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, "database system is ready to accept connections") {
			continue
		}
		// "2025-01-02 15:04:05.678 UTC [1] LOG:  database system is ready ..."
		fields := strings.Fields(line)
		if len(fields) < 3 {
			break
		}
		at, err := time.Parse("2006-01-02 15:04:05.000 MST", strings.Join(fields[:3], " "))
		if err != nil {
			e.t.Fatalf("cannot read the time of postgres's ready line %q: %v", line, err)
		}
		if _, offset := at.Zone(); offset != 0 && fields[2] != "UTC" && fields[2] != "GMT" {
			e.t.Fatalf("postgres logs in time zone %s; this test reads UTC/GMT only", fields[2])
		}
		return at
	}
	e.t.Fatalf("db never logged that it is ready to accept connections; logs:\n%s", logs.String())
	return time.Time{}
}

// itgRecorder keeps the orchestrator's progress events, and lets a test act
// on one as it happens.
type itgRecorder struct {
	progress.Recorder
	mu   sync.Mutex
	hook func(progress.Event)
}

func (r *itgRecorder) Report(e progress.Event) {
	r.Recorder.Report(e)
	r.mu.Lock()
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		hook(e)
	}
}

func (r *itgRecorder) setHook(h func(progress.Event)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hook = h
}

// isNotFound reports whether err is the adapter's ErrNotFound.
func itgNotFound(err error) bool { return errors.Is(err, engine.ErrNotFound) }

// itgCLI runs the stackctl binary, built from this checkout, as a user
// does: in the repository root, where no compose file is found, so the
// built-in stack, under the test's project.
type itgCLI struct {
	bin, dir, project string
	env               []string
}

// itgBuildCLI is the stackctl binary, built once per test run as `make
// build` builds it, for the test. env sets variables of the built-in stack
// (WEB_PORT, APP_DIR, POSTGRES_PASSWORD_FILE); the caller's own values of
// these, and of COMPOSE_*, are not passed on.
func itgBuildCLI(t *testing.T, project string, env map[string]string) *itgCLI {
	t.Helper()
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := stacktest.StaticStackctl(t)
	c := &itgCLI{bin: bin, dir: root, project: project}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, set := env[name]; set || strings.HasPrefix(name, "POSTGRES_PASSWORD") || strings.HasPrefix(name, "COMPOSE_") ||
			name == "WEB_PORT" || name == "APP_DIR" {
			continue
		}
		c.env = append(c.env, kv)
	}
	for name, value := range env {
		c.env = append(c.env, name+"="+value)
	}
	return c
}

// stackCLI is the binary for the test's built-in stack: the same password
// as the test's stack, so cleanup's Down sees the same project either way
// (the password is not part of any name), web on a port the engine picks,
// app/ from the repository.
func (e *itgEnv) stackCLI() *itgCLI {
	e.t.Helper()
	password := filepath.Join(e.t.TempDir(), "postgres_password")
	if err := os.WriteFile(password, []byte("itg-"+e.project+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return itgBuildCLI(e.t, e.project, map[string]string{
		"POSTGRES_PASSWORD_FILE": password, "WEB_PORT": "0", "APP_DIR": itgAppDir(e.t),
	})
}

// run runs `stackctl -p PROJECT args...` and returns its stdout and stderr.
func (c *itgCLI) run(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, c.bin, append([]string{"-p", c.project}, args...)...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// signalAt runs `stackctl -p PROJECT args...` and sends it sig at the
// first line of its stderr that holds every one of words; it returns every
// line it wrote there and how it ended.
func (c *itgCLI) signalAt(t *testing.T, ctx context.Context, sig os.Signal, words []string, args ...string) ([]string, error) {
	t.Helper()
	return c.signalWhen(t, ctx, sig, func(line string) bool {
		return !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(line, w) })
	}, args...)
}

// signalWhen is signalAt with the line chosen by when, which sees each
// line as it is written (and may act on it) until it says true.
func (c *itgCLI) signalWhen(t *testing.T, ctx context.Context, sig os.Signal, when func(line string) bool, args ...string) ([]string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, c.bin, append([]string{"-p", c.project}, args...)...)
	cmd.Dir, cmd.Env = c.dir, c.env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	var seen []string
	signalled := false
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if !signalled && when(lines.Text()) {
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
	}
	err = cmd.Wait()
	if !signalled {
		t.Fatalf("stackctl %s never wrote the line awaited:\n%s", strings.Join(args, " "), strings.Join(seen, "\n"))
	}
	return seen, err
}

// mustRun runs stackctl and fails the test if it fails.
func (c *itgCLI) mustRun(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := c.run(ctx, args...)
	if err != nil {
		t.Fatalf("stackctl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, stderr
}

// itgFreePort is a TCP port no one listens on right now, for a test that
// needs a fixed host port: the engine's choice (port 0) would differ
// between two containers that must publish the same one.
func itgFreePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newOrchestrator is an orchestrator on the Docker backend for eng, both
// reporting to rec, as the binary's is. Its crash helper, for an engine
// whose containers' PIDs are not this machine's (one in a container, say),
// runs a static stackctl, as the binary's runs itself.
func newOrchestrator(t testing.TB, eng docker.Engine, rec progress.Reporter) *orchestrator.Orchestrator {
	return orchestrator.New(docker.New(eng, rec, docker.WithCrashHelper(stacktest.StaticStackctl(t))), rec)
}

// appStartedAt is when the app in a container of the built-in stack logged
// its first line.
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

// logs is everything the container wrote.
func (e *itgEnv) logs(ctx context.Context, ref string) string {
	e.t.Helper()
	var out strings.Builder
	if err := e.cli.ContainerLogs(ctx, ref, engine.LogsOptions{Tail: -1}, &out, &out); err != nil {
		e.t.Fatalf("logs of %s: %v", ref, err)
	}
	return out.String()
}
