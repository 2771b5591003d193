package apptest_test

// The stack the tests and benchmarks drive: the built-in stack under its own
// project, with the app image built from app/ by the test, web published on
// 127.0.0.1 only, and helpers to talk to it from outside.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/docker"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

const (
	// nonRoot is the user the app image and the stack's hardened services
	// run as.
	nonRoot  = "65532:65532"
	greeting = "Hello from the Go app connected to Postgres & Redis!"
	// appPort is the port the app listens on inside its container.
	appPort = 5000
)

// connect opts this package's tests in explicitly: they build an image and
// run a whole stack, which a plain `go test ./...` must not do to whatever
// engine happens to be reachable. With STACKCTL_INTEGRATION=1 they run, and
// enginetest.Connect fails them (never skips) when there is no engine.
func connect(t testing.TB) *engine.Client {
	t.Helper()
	if os.Getenv(enginetest.RequiredEnv) != "1" {
		t.Skipf("integration test against the Docker engine: runs only with %s=1 (as `make test` sets)", enginetest.RequiredEnv)
	}
	return enginetest.Connect(t)
}

// appStack is one running stack of a test project.
type appStack struct {
	cli     *engine.Client
	api     *client.Client // the raw SDK, for what the adapter does not expose
	orch    *orchestrator.Orchestrator
	st      *stack.Stack
	project string
	// image is the app image built for this project, imageID its ID,
	// and stageImages the images its build stages ended with, which the
	// builder keeps untagged.
	image       string
	imageID     string
	stageImages []string
	// Container names of the services, and web's hostname, which the app
	// reports as served_by: the engine's default, its short ID, as
	// Compose leaves it.
	web, db, cache string
	webHost        string
	network        string
	// port is the host port on 127.0.0.1 that web's 5000 is published on.
	port int
	http *http.Client
}

// appDir is the repository's app/, the image's build context.
func appDir() (string, error) {
	return filepath.Abs(filepath.Join("..", "..", "app"))
}

// launch builds the app image and brings the built-in stack up under
// project. It returns the stack even on error, so that teardown can remove
// whatever was made.
func launch(ctx context.Context, cli *engine.Client, project string, logf func(string, ...any)) (*appStack, error) {
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("raw docker client: %w", err)
	}
	s := &appStack{
		cli: cli, api: api, project: project,
		orch:  orchestrator.New(docker.New(cli, nil), nil),
		image: "stackctl-apptest:" + project,
		http:  newHTTPClient(4),
	}
	dir, err := appDir()
	if err != nil {
		return s, err
	}

	started := time.Now()
	var stages engine.BuildStages
	s.imageID, err = cli.ImageBuild(ctx, engine.BuildSpec{
		ContextDir: dir, Dockerfile: "Dockerfile", Tag: s.image,
		Labels: map[string]string{stack.LabelProject: project},
	}, stages.Event)
	s.stageImages = slices.DeleteFunc(stages.Images(), func(id string) bool { return id == "" })
	if err != nil {
		return s, fmt.Errorf("build %s from %s: %w", s.image, dir, err)
	}
	logf("built %s (%s) in %s", s.image, shortID(s.imageID), time.Since(started).Round(time.Millisecond))

	s.st, err = stacktest.Load(stacktest.Options{
		Project: project, AppDir: dir, Password: "apptest-" + project,
	})
	if err != nil {
		return s, err
	}
	for i := range s.st.Services {
		svc := &s.st.Services[i]
		if svc.Build != nil {
			// The image this test built, not one the orchestrator builds.
			svc.Image, svc.Build = s.image, nil
		}
		if svc.Name == "web" {
			// Traffic goes to 127.0.0.1 only, so publish nowhere else.
			svc.Ports[0].HostIP = "127.0.0.1"
		}
	}
	s.network = s.st.NetworkName("app-network")

	started = time.Now()
	res, err := s.orch.Up(ctx, s.st, backend.UpOptions{})
	if err != nil {
		return s, fmt.Errorf("up %s: %w", project, err)
	}
	logf("stack %s up in %s", project, time.Since(started).Round(time.Millisecond))
	for _, c := range res.Containers {
		switch c.Service {
		case "web":
			s.web = c.Name
			s.webHost = images.ShortID(c.ID)
			for _, p := range c.Ports {
				if p.ContainerPort == appPort && p.HostPort > 0 {
					if p.HostIP != "127.0.0.1" {
						return s, fmt.Errorf("web published on %s:%d, want 127.0.0.1 only", p.HostIP, p.HostPort)
					}
					s.port = p.HostPort
				}
			}
		case "db":
			s.db = c.Name
		case "cache":
			s.cache = c.Name
		}
	}
	if s.web == "" || s.db == "" || s.cache == "" || s.port == 0 {
		return s, fmt.Errorf("up returned no web with a published port, db or cache: %+v", res.Containers)
	}
	return s, nil
}

// teardown takes the project down with its volume, removes the image, and
// reports anything of the project still on the engine.
func (s *appStack) teardown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	defer s.api.Close()
	s.http.CloseIdleConnections()
	var errs []error
	if s.st != nil {
		if err := s.orch.Down(ctx, s.st, backend.DownOptions{Volumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("down %s: %w", s.project, err))
		}
	}
	// Containers the tests ran outside the stack (migrate runs) carry the
	// project label too; Down removes them as well, but be sure.
	args := filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+s.project))
	if cs, err := s.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args}); err == nil {
		for _, c := range cs {
			_ = s.api.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		}
	}
	if _, err := s.api.ImageRemove(ctx, s.image, image.RemoveOptions{PruneChildren: true}); err != nil && !client.IsErrNotFound(err) {
		errs = append(errs, fmt.Errorf("remove image %s: %w", s.image, err))
	}
	// The stage images go, with the parents no other image uses (the
	// test build cache, enginetest.KeepBuildCache, holds the
	// dependencies' layer), unless a later build uses them (a conflict).
	for _, id := range s.stageImages {
		if err := enginetest.RemoveUnusedImage(ctx, s.api, id); err != nil {
			errs = append(errs, fmt.Errorf("the build stage of %s: %w", s.image, err))
		}
	}
	if left := s.leftovers(ctx, args); len(left) > 0 {
		errs = append(errs, fmt.Errorf("project %s left behind: %v", s.project, left))
	}
	return errors.Join(errs...)
}

func (s *appStack) leftovers(ctx context.Context, args filters.Args) []string {
	var left []string
	if cs, err := s.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args}); err != nil {
		left = append(left, "list containers: "+err.Error())
	} else {
		for _, c := range cs {
			left = append(left, "container "+strings.Join(c.Names, ","))
		}
	}
	if ns, err := s.api.NetworkList(ctx, network.ListOptions{Filters: args}); err != nil {
		left = append(left, "list networks: "+err.Error())
	} else {
		for _, n := range ns {
			left = append(left, "network "+n.Name)
		}
	}
	if vs, err := s.api.VolumeList(ctx, volume.ListOptions{Filters: args}); err != nil {
		left = append(left, "list volumes: "+err.Error())
	} else {
		for _, v := range vs.Volumes {
			left = append(left, "volume "+v.Name)
		}
	}
	if _, err := s.api.ImageInspect(ctx, s.image); err == nil {
		left = append(left, "image "+s.image)
	}
	return left
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// newHTTPClient is a keep-alive client for 127.0.0.1 that never uses a
// proxy and keeps up to idle connections open.
func newHTTPClient(idle int) *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        idle,
			MaxIdleConnsPerHost: idle,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

func (s *appStack) url(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(s.port) + path
}

// response is what one request got.
type response struct {
	status int
	header http.Header
	body   string
}

// get sends GET path to web on 127.0.0.1 with c (nil: the stack's client).
func (s *appStack) get(ctx context.Context, c *http.Client, path string) (response, error) {
	if c == nil {
		c = s.http
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url(path), nil)
	if err != nil {
		return response{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read body of GET %s: %w", path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(body)}, nil
}

// mustGet is get, failing the test on a transport error.
func (s *appStack) mustGet(t *testing.T, ctx context.Context, path string) response {
	t.Helper()
	r, err := s.get(ctx, nil, path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return r
}

var visitRE = regexp.MustCompile(`^` + regexp.QuoteMeta(greeting) + ` visits=(\d+) served_by=(\S+)\n$`)

// parseVisit reads the visit total and the replica from GET /'s body.
func parseVisit(body string) (int64, string, bool) {
	m := visitRE.FindStringSubmatch(body)
	if m == nil {
		return 0, "", false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, m[2], err == nil
}

// visit GETs / and returns the total it reports, failing the test unless
// web answered 200 with the greeting, served by web.
func (s *appStack) visit(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	r := s.mustGet(t, ctx, "/")
	n, servedBy, ok := parseVisit(r.body)
	if r.status != http.StatusOK || !ok {
		t.Fatalf("GET / = %d %q, want 200 with %q visits=N served_by=NAME", r.status, r.body, greeting)
	}
	if servedBy != s.webHost {
		t.Fatalf("GET / served_by=%s, want %s (web's hostname, its short ID)", servedBy, s.webHost)
	}
	return n
}

// stats is /api/stats's body.
type stats struct {
	Visits   *int64 `json:"visits"`
	ServedBy string `json:"served_by"`
	Postgres string `json:"postgres"`
	Redis    string `json:"redis"`
}

func (st stats) String() string {
	visits := "null"
	if st.Visits != nil {
		visits = strconv.FormatInt(*st.Visits, 10)
	}
	return fmt.Sprintf("visits=%s served_by=%s postgres=%s redis=%s", visits, st.ServedBy, st.Postgres, st.Redis)
}

func (s *appStack) stats(t *testing.T, ctx context.Context) (int, stats) {
	t.Helper()
	r := s.mustGet(t, ctx, "/api/stats")
	var got stats
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("GET /api/stats = %d %q: not JSON: %v", r.status, r.body, err)
	}
	return r.status, got
}

// psql runs one SQL statement in the db container as appuser, over the
// local socket, and returns its unaligned, tuples-only output.
func (s *appStack) psql(ctx context.Context, sql string) (string, error) {
	res, err := s.cli.Exec(ctx, s.db, []string{
		"psql", "-X", "-U", "appuser", "-d", "appdb", "-v", "ON_ERROR_STOP=1", "-tAc", sql,
	})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("psql -c %q: exit %d: %s", sql, res.ExitCode, strings.TrimSpace(res.Output))
	}
	return strings.TrimSpace(res.Output), nil
}

func (s *appStack) mustPsql(t *testing.T, ctx context.Context, sql string) string {
	t.Helper()
	out, err := s.psql(ctx, sql)
	if err != nil {
		t.Fatalf("in %s: %v", s.db, err)
	}
	return out
}

// pgVisits is the number of rows in visits, counted by PostgreSQL.
func (s *appStack) pgVisits(t *testing.T, ctx context.Context) int64 {
	t.Helper()
	out := s.mustPsql(t, ctx, "select count(*) from visits")
	n, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		t.Fatalf("count(*) from visits = %q: %v", out, err)
	}
	return n
}

// exec runs cmd in ref and fails the test if the engine cannot.
func (s *appStack) exec(t *testing.T, ctx context.Context, ref string, cmd ...string) engine.ExecResult {
	t.Helper()
	res, err := s.cli.Exec(ctx, ref, cmd)
	if err != nil {
		t.Fatalf("exec %q in %s: %v", cmd, ref, err)
	}
	return res
}

func (s *appStack) inspect(t *testing.T, ctx context.Context, ref string) engine.Container {
	t.Helper()
	c, err := s.cli.ContainerInspect(ctx, ref)
	if err != nil {
		t.Fatalf("inspect %s: %v", ref, err)
	}
	return c
}

// logs returns all of ref's log lines.
func (s *appStack) logs(ctx context.Context, ref string) (string, error) {
	var b strings.Builder
	if err := s.cli.ContainerLogs(ctx, ref, engine.LogsOptions{Tail: -1}, &b, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// logLine is one of the app's JSON log lines.
type logLine struct {
	Msg    string `json:"msg"`
	Level  string `json:"level"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	Error  string `json:"error"`
}

// appLogs parses the app's JSON log lines, skipping anything else.
func appLogs(raw string) []logLine {
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg != "" {
			out = append(out, l)
		}
	}
	return out
}

// waitPostgres waits until PostgreSQL in the db container accepts TCP
// connections, as the app makes them.
func (s *appStack) waitPostgres(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		res, err := s.cli.Exec(ctx, s.db, []string{"pg_isready", "-U", "appuser", "-h", "127.0.0.1", "-t", "1"})
		if err == nil && res.ExitCode == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %s: %v %+v", timeout, err, res)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// redisCLI runs redis-cli with args in the cache container and returns its
// output, failing the test unless it exits 0.
func (s *appStack) redisCLI(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	res := s.exec(t, ctx, s.cache, append([]string{"redis-cli"}, args...)...)
	if res.ExitCode != 0 {
		t.Fatalf("redis-cli %q: exit %d: %s", args, res.ExitCode, res.Output)
	}
	return strings.TrimSpace(res.Output)
}

// waitRedis waits until Redis in the cache container answers PING.
func (s *appStack) waitRedis(t *testing.T, ctx context.Context) {
	t.Helper()
	enginetest.Eventually(t, eventWait, "redis answers", func() error {
		res, err := s.cli.Exec(ctx, s.cache, []string{"redis-cli", "PING"})
		if err != nil || strings.TrimSpace(res.Output) != "PONG" {
			return fmt.Errorf("%v %+v", err, res)
		}
		return nil
	})
}

// ensureRunning starts ref if it is not running; subtests that stop a
// service register it so that one failure does not cascade.
func (s *appStack) ensureRunning(ref string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := s.cli.ContainerInspect(ctx, ref)
	if err != nil || c.Running() {
		return
	}
	_ = s.cli.ContainerStart(ctx, ref)
	if ref == s.db {
		_ = s.waitPostgres(ctx, time.Minute)
	}
}
