package docker_test

// An end-to-end test of the stackctl binary against the real engine: `up
// --progress json`, `ps`, `logs`, `stop`, `start`, `restart` and `down -v`
// as a user (or a script) runs them.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// TestBinaryUpPsLogsLifecycleDown builds cmd/stackctl, brings a project
// up with `--progress json` and WEB_PORT=0, and checks that stderr carries one
// JSON event per line, stdout the summary with the app's URL, and that the
// URL answers; then, on that stack, what `ps` (table and JSON), `logs`
// (--tail, services) and `stop`, `start` and `restart` (in dependency order)
// show and do, and that `up --edge` puts the one replica of web behind its
// edge, where a later `up` keeps it; then `down -v` removes everything.
func TestBinaryUpPsLogsLifecycleDown(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)

	cli := e.stackCLI()
	run := func(args ...string) (string, string, error) { return cli.run(ctx, args...) }

	// No compose file here or above: the built-in stack, as a user gets it.
	stdout, stderr, err := run("up", "--progress", "json")
	if err != nil {
		t.Fatalf("stackctl up: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}

	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) < 5 {
		t.Fatalf("stderr has %d lines, want an event per step:\n%s", len(lines), stderr)
	}
	statuses := map[string]bool{}
	for i, line := range lines {
		var ev struct {
			Time     time.Time `json:"time"`
			Resource string    `json:"resource"`
			Status   string    `json:"status"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Errorf("stderr line %d is not a JSON object: %q (%v)", i+1, line, err)
			continue
		}
		if ev.Time.IsZero() || ev.Resource == "" || ev.Status == "" {
			t.Errorf("stderr line %d lacks time, resource or status: %q", i+1, line)
		}
		statuses[ev.Resource+" "+ev.Status] = true
	}
	for _, svc := range []string{"db-1", "cache-1", "migrate-1", "web-1"} {
		if !statuses["container "+e.project+"-"+svc+" started"] {
			t.Errorf("no JSON event says container %s-%s started", e.project, svc)
		}
	}

	for _, want := range []string{"SERVICE", e.project + "-db-1", e.project + "-cache-1", e.project + "-migrate-1", e.project + "-web-1"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary on stdout lacks %q:\n%s", want, stdout)
		}
	}
	m := regexp.MustCompile(`web: http://(?:localhost|127\.0\.0\.1|0\.0\.0\.0):(\d+)/`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("summary on stdout has no URL of the app:\n%s", stdout)
	}
	port, _ := strconv.Atoi(m[1])
	if port == 0 || port == 5000 {
		t.Errorf("--port 0 published web on %d, want a port the engine chose", port)
	}
	itgVisit(t, ctx, port)

	// Health settled by the engine's own check, so ps shows what it will
	// keep showing.
	for _, name := range []string{"db-1", "web-1"} {
		enginetest.Eventually(t, time.Minute, name+" healthy by the engine's own check", func() error {
			if h := e.inspect(ctx, e.project+"-"+name).Health; h != "healthy" {
				return fmt.Errorf("health %q", h)
			}
			return nil
		})
	}
	t.Run("ps", func(t *testing.T) { cliCheckPS(t, ctx, e.in(t), st, cli) })
	t.Run("logs", func(t *testing.T) { cliCheckLogs(t, ctx, e.in(t), st, cli) })
	t.Run("stop start restart", func(t *testing.T) { cliCheckLifecycle(t, ctx, e.in(t), st, cli) })
	t.Run("up --edge", func(t *testing.T) { cliCheckEdge(t, ctx, e.in(t), st, cli) })

	if _, stderr, err := run("down", "-v"); err != nil {
		t.Fatalf("stackctl down -v: %v\n%s", err, stderr)
	}
	if left := e.leftovers(context.Background(), e.project); len(left) > 0 {
		t.Errorf("stackctl down -v left %v", left)
	}
}

// cliEvents reads the progress events `--progress json` wrote, one per line.
func cliEvents(t *testing.T, stderr string) []progress.Event {
	t.Helper()
	var events []progress.Event
	for i, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		var ev progress.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("stderr line %d is not a JSON event: %q (%v)", i+1, line, err)
		}
		events = append(events, ev)
	}
	return events
}

// cliFailure splits the stderr of a command that failed under --progress
// json into its progress events and the error it ended with: the last
// event, stackctl's "failed" one, every line a JSON object to the end.
func cliFailure(t *testing.T, stderr string) ([]progress.Event, string) {
	t.Helper()
	events := cliEvents(t, stderr)
	if len(events) == 0 {
		t.Fatalf("stderr has no events:\n%s", stderr)
	}
	last := events[len(events)-1]
	if last.Resource != "stackctl" || last.Status != "failed" || last.Level != "error" {
		t.Fatalf("stderr does not end with stackctl's failed event: %+v\n%s", last, stderr)
	}
	return events[:len(events)-1], last.Detail
}

// cliAt is the position of the first event on container name with status,
// at or after from; the test fails when there is none.
func cliAt(t *testing.T, events []progress.Event, from int, name, status string) int {
	t.Helper()
	for i := from; i < len(events); i++ {
		if events[i].Resource == "container "+name && events[i].Status == status {
			return i
		}
	}
	var seen []string
	for _, ev := range events {
		seen = append(seen, ev.Resource+" "+ev.Status)
	}
	t.Fatalf("no event says container %s %s (from event %d); events:\n%s", name, status, from, strings.Join(seen, "\n"))
	return -1
}

// cliCheckPS checks `ps` and `ps --format json` against the containers as
// the engine has them.
func cliCheckPS(t *testing.T, ctx context.Context, e *itgEnv, st *stack.Stack, cli *itgCLI) {
	table, _ := cli.mustRun(t, ctx, "ps")
	asJSON, _ := cli.mustRun(t, ctx, "ps", "--format", "json")
	want, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 4 {
		t.Fatalf("the engine has %d containers of the project, want 4: %+v", len(want), want)
	}

	rows := strings.Split(strings.TrimRight(table, "\n"), "\n")
	header := []string{"SERVICE", "CONTAINER", "STATE", "HEALTH", "RESTART", "RESTARTS", "EXIT", "PORTS", "UPTIME"}
	if len(rows) != 1+len(want) || !slices.Equal(strings.Fields(rows[0]), header) {
		t.Fatalf("ps printed:\n%s\nwant the header %q and a row per container, in start order", table, header)
	}
	for i, c := range want {
		row := strings.Fields(rows[i+1])
		if len(row) != len(header) {
			t.Errorf("ps row %q has %d columns, want %d", rows[i+1], len(row), len(header))
			continue
		}
		health, exit, ports := "-", "-", "-"
		if c.Health != "" {
			health = c.Health
		}
		if c.State != "running" {
			exit = strconv.Itoa(c.ExitCode)
		}
		if c.Service == "web" {
			ports = fmt.Sprintf("0.0.0.0:%d->5000/tcp", itgWebPort(t, c))
		}
		wantRow := []string{c.Service, c.Name, c.State, health, c.RestartPolicy, strconv.Itoa(c.RestartCount), exit}
		if !slices.Equal(row[:7], wantRow) {
			t.Errorf("ps row %q, want it to begin %q", rows[i+1], wantRow)
		}
		if got := row[7]; ports == "-" && got != "-" || !strings.Contains(got, ports) {
			t.Errorf("ps row of %s shows ports %q, want %q", c.Name, got, ports)
		}
		uptime, err := time.ParseDuration(row[8])
		switch {
		case c.State != "running" && row[8] != "-":
			t.Errorf("ps row of %s (%s) shows uptime %q, want -", c.Name, c.State, row[8])
		case c.State == "running" && (err != nil || uptime < 0 || uptime > time.Since(c.StartedAt)+time.Second):
			t.Errorf("ps row of %s shows uptime %q, want the time since it started at %s", c.Name, row[8], c.StartedAt)
		}
	}
	byService := itgByService(t, want)
	if byService["migrate"].State != "exited" || byService["db"].Health != "healthy" || byService["web"].RestartPolicy != "unless-stopped" {
		t.Errorf("the stack is not as the rows above were checked against: %+v", want)
	}

	// ps --format json: Compose's container summary, one object a line,
	// sorted by name as Compose sorts them, with Compose's keys.
	var lines []psJSONLine
	for i, raw := range psJSONLines(t, "stackctl", asJSON) {
		if keys := slices.Sorted(maps.Keys(raw)); !slices.Equal(keys, composePsKeys) {
			t.Errorf("ps --format json line %d has keys %q, want Compose's %q", i, keys, composePsKeys)
		}
	}
	for line := range strings.Lines(asJSON) {
		var l psJSONLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("ps --format json printed %q: %v", line, err)
		}
		lines = append(lines, l)
	}
	wantNames := make([]string, len(want))
	for i, c := range want {
		wantNames[i] = c.Name
	}
	slices.Sort(wantNames)
	gotNames := make([]string, len(lines))
	for i, l := range lines {
		gotNames[i] = l.Name
	}
	if !slices.Equal(gotNames, wantNames) {
		t.Fatalf("ps --format json lists %q, want %q (by name)", gotNames, wantNames)
	}
	for _, l := range lines {
		c := want[slices.IndexFunc(want, func(c backend.ContainerStatus) bool { return c.Name == l.Name })]
		// Compose shows health only while running, an exit code once exited.
		health, exit := "", 0
		if c.State == "running" {
			health = c.Health
		}
		if c.State == "exited" {
			exit = c.ExitCode
		}
		if l.Service != c.Service || l.State != c.State || l.Project != st.Project || l.ID != c.ID[:12] || l.Health != health || l.ExitCode != exit {
			t.Errorf("ps --format json shows %+v, want %+v", l, c)
		}
		var published, wantPublished []string
		for _, p := range l.Publishers {
			if p.PublishedPort != 0 {
				published = append(published, fmt.Sprintf("%s:%d->%d/%s", p.URL, p.PublishedPort, p.TargetPort, p.Protocol))
			}
		}
		for _, p := range c.Ports {
			wantPublished = append(wantPublished, fmt.Sprintf("%s:%d->%d/%s", hostOrAll(p.HostIP), p.HostPort, p.ContainerPort, p.Protocol))
		}
		if slices.Sort(published); !slices.Equal(published, slices.Sorted(slices.Values(wantPublished))) {
			t.Errorf("ps --format json: %s publishes %q, want %q", c.Name, published, wantPublished)
		}
	}
}

// composePsKeys are the keys of each line of `docker compose ps --format
// json` (v5.6.0).
var composePsKeys = []string{"Command", "CreatedAt", "Engine", "ExitCode", "Health", "ID", "Image", "Labels", "LocalVolumes",
	"Mounts", "Name", "Names", "Networks", "Ports", "Project", "Publishers", "RunningFor", "Service", "Size", "State", "Status"}

// psJSONLine is what tests read of a line of `ps --format json`.
type psJSONLine struct {
	Name, Service, State, Project, ID, Health, Engine string
	ExitCode                                          int
	Publishers                                        []struct {
		URL                       string
		TargetPort, PublishedPort int
		Protocol                  string
	}
}

func hostOrAll(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

// cliCheckLogs checks `logs` with --tail and services against the logs on
// the engine: migrate, a finished task, has a log that no longer changes.
func cliCheckLogs(t *testing.T, ctx context.Context, e *itgEnv, st *stack.Stack, cli *itgCLI) {
	migrate := st.ContainerName(mustService(t, st, "migrate"), 1)
	var engineLog strings.Builder
	if err := e.cli.ContainerLogs(ctx, migrate, engine.LogsOptions{Tail: -1}, &engineLog, &engineLog); err != nil {
		t.Fatal(err)
	}
	migrateLines := strings.Split(strings.TrimRight(engineLog.String(), "\n"), "\n")
	if len(migrateLines) < 2 {
		t.Fatalf("migrate logged %q; the test needs two lines at least", migrateLines)
	}
	prefixed := func(width int, name string, lines ...string) string {
		var b strings.Builder
		for _, l := range lines {
			fmt.Fprintf(&b, "%-*s | %s\n", width, name, l)
		}
		return b.String()
	}

	if out, _ := cli.mustRun(t, ctx, "logs", "migrate"); out != prefixed(len(migrate), migrate, migrateLines...) {
		t.Errorf("stackctl logs migrate printed:\n%s\nwant migrate's whole log, prefixed:\n%s", out, prefixed(len(migrate), migrate, migrateLines...))
	}
	last := migrateLines[len(migrateLines)-1]
	if out, _ := cli.mustRun(t, ctx, "logs", "--tail", "1", "migrate"); out != prefixed(len(migrate), migrate, last) {
		t.Errorf("stackctl logs --tail 1 migrate printed:\n%s\nwant its last line:\n%s", out, prefixed(len(migrate), migrate, last))
	}

	// Two services by name, and every service when none is named, two
	// lines of each.
	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, services := range [][]string{{"migrate", "cache"}, nil} {
		out, _ := cli.mustRun(t, ctx, append([]string{"logs", "--tail", "2"}, services...)...)
		count := map[string]int{}
		for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			name, _, ok := strings.Cut(line, " | ")
			if !ok {
				t.Errorf("stackctl logs line %q has no container prefix", line)
				continue
			}
			count[strings.TrimSpace(name)]++
		}
		want := map[string]int{}
		for _, c := range ps {
			if len(services) == 0 || slices.Contains(services, c.Service) {
				want[c.Name] = 2
			}
		}
		if !maps.Equal(count, want) {
			t.Errorf("stackctl logs --tail 2 %s printed lines per container %v, want %v:\n%s", strings.Join(services, " "), count, want, out)
		}
	}
}

// cliCheckLifecycle checks that `stop` stops dependents first, and that
// `start` and `restart` start each service only once what it depends on is
// ready, leaving the finished one-shot alone.
func cliCheckLifecycle(t *testing.T, ctx context.Context, e *itgEnv, st *stack.Stack, cli *itgCLI) {
	name := func(service string) string { return st.ContainerName(mustService(t, st, service), 1) }
	db, cache, migrate, web := name("db"), name("cache"), name("migrate"), name("web")
	migrateRun := e.inspect(ctx, migrate).StartedAt

	checkStopped := func(what string, events []progress.Event) {
		t.Helper()
		webStopped := cliAt(t, events, 0, web, "stopped")
		for _, dep := range []string{db, cache} {
			if i := cliAt(t, events, 0, dep, "stopping"); i < webStopped {
				t.Errorf("%s: %s began to stop (event %d) before web had stopped (event %d): dependents go first", what, dep, i, webStopped)
			}
		}
	}
	checkStarted := func(what string, events []progress.Event, from int) {
		t.Helper()
		webStarted := cliAt(t, events, from, web, "started")
		if i := cliAt(t, events, from, db, "healthy"); i > webStarted {
			t.Errorf("%s: web started (event %d) before db was healthy (event %d)", what, webStarted, i)
		}
		if i := cliAt(t, events, from, cache, "started"); i > webStarted {
			t.Errorf("%s: web started (event %d) before cache had started (event %d)", what, webStarted, i)
		}
		for _, ev := range events[from:] {
			if ev.Resource == "container "+migrate {
				t.Errorf("%s: the finished one-shot was touched: %s %s", what, ev.Status, ev.Detail)
			}
		}
		for _, c := range []string{db, cache, web} {
			if got := e.inspect(ctx, c); !got.Running() {
				t.Errorf("%s: %s is %s, want running", what, c, got.Status)
			}
		}
		if got := e.inspect(ctx, migrate); got.Status != "exited" || got.ExitCode != 0 || !got.StartedAt.Equal(migrateRun) {
			t.Errorf("%s: migrate is %s exit %d started %s; want it left exited 0 from its run at %s", what, got.Status, got.ExitCode, got.StartedAt, migrateRun)
		}
		ps, err := e.orch.PS(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		itgVisit(t, ctx, itgWebPort(t, itgByService(t, ps)["web"]))
	}

	_, stderr := cli.mustRun(t, ctx, "--progress", "json", "stop")
	checkStopped("stop", cliEvents(t, stderr))
	for _, c := range []string{db, cache, web} {
		if got := e.inspect(ctx, c); got.Status != "exited" {
			t.Errorf("after stop %s is %s, want exited", c, got.Status)
		}
	}

	_, stderr = cli.mustRun(t, ctx, "--progress", "json", "start")
	checkStarted("start", cliEvents(t, stderr), 0)

	_, stderr = cli.mustRun(t, ctx, "--progress", "json", "restart")
	events := cliEvents(t, stderr)
	checkStopped("restart", events)
	// The start begins where the stop ended.
	lastStop := 0
	for i, ev := range events {
		if ev.Status == "stopped" {
			lastStop = i
		}
	}
	checkStarted("restart", events, lastStop+1)
}

// cliCheckEdge checks that `up --edge` moves web's one replica behind its
// edge, which takes over publishing, and that `up` without it keeps the
// edge and changes nothing.
func cliCheckEdge(t *testing.T, ctx context.Context, e *itgEnv, st *stack.Stack, cli *itgCLI) {
	behindEdge := func(when string) map[string]string {
		t.Helper()
		ps, err := e.orch.PS(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{}
		var edgePort int
		for _, c := range ps {
			ids[c.Name] = c.ID
			switch c.Service {
			case "web":
				if len(c.Ports) > 0 {
					t.Errorf("%s: %s publishes %+v; behind the edge it publishes nothing", when, c.Name, c.Ports)
				}
			case "web-edge":
				// The IPv4 one: with port 0, the engine may pick
				// another port for IPv6.
				for _, p := range c.Ports {
					if p.HostIP == "0.0.0.0" || p.HostIP == "" {
						edgePort = p.HostPort
					}
				}
			}
		}
		if edgePort == 0 {
			t.Fatalf("%s: no edge publishes web's port: %+v", when, ps)
		}
		itgVisit(t, ctx, edgePort)
		return ids
	}
	cli.mustRun(t, ctx, "--progress", "plain", "up", "--edge")
	before := behindEdge("after up --edge")
	_, stderr := cli.mustRun(t, ctx, "--progress", "plain", "up")
	after := behindEdge("after up without --edge")
	if !strings.Contains(stderr, "up to date") || !maps.Equal(before, after) {
		t.Errorf("up without --edge changed the stack behind the edge: %v, then %v\n%s", before, after, stderr)
	}
}
