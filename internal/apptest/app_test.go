package apptest_test

// Black-box integration tests of the web app: its real image, built from
// app/, against real PostgreSQL and Redis. One stack serves every subtest,
// in order; a subtest that stops a service starts it again when it ends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// Bounds of this package's waits. A subtest waits for an event and fails
// only when it never comes: eventWait is a backstop for a loaded two-core
// machine, not a speed requirement. The times actually taken are logged;
// speed is the benchmarks' business.
const (
	stackTimeout   = 12 * time.Minute // build, up, every subtest, down
	eventWait      = 2 * time.Minute  // any one awaited event
	stopGrace      = 10 * time.Second // the stack's own stop grace period
	maxImageSizeMB = 30
)

func TestWebAppIntegration(t *testing.T) {
	cli := connect(t)
	ctx := enginetest.Context(t, stackTimeout)
	project := enginetest.ProjectName(t)

	s, err := launch(ctx, cli, project, t.Logf)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := s.teardown(ctx); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("web %s on 127.0.0.1:%d, db %s, cache %s", s.web, s.port, s.db, s.cache)

	t.Run("image is small, from scratch, non-root and hardened", func(t *testing.T) { testImage(t, ctx, s) })
	t.Run("visits are counted and persisted", func(t *testing.T) { testVisits(t, ctx, s) })
	t.Run("healthcheck works inside the scratch image", func(t *testing.T) { testHealthcheck(t, ctx, s) })
	t.Run("redis down then up", func(t *testing.T) { testRedisOutage(t, ctx, s) })
	t.Run("redis crashed and back from an old snapshot between requests", func(t *testing.T) { testRedisCrashUnnoticed(t, ctx, s) })
	t.Run("postgres stopped then started", func(t *testing.T) { testPostgresRestart(t, ctx, s) })
	t.Run("migrate twice", func(t *testing.T) { testMigrateTwice(t, ctx, s) })
	t.Run("a visit answered 503 is not recorded, even when its commit hangs", func(t *testing.T) { testInDoubtCommit(t, ctx, s) })
	// Last: it stops web for good.
	t.Run("graceful shutdown drains requests in flight", func(t *testing.T) { testGracefulShutdown(t, ctx, s) })
}

// testImage: the image is FROM scratch with one static binary, small, and
// declares a non-root user; the web container runs as that user with the
// stack's hardening, and has no shell.
func testImage(t *testing.T, ctx context.Context, s *appStack) {
	img, err := s.api.ImageInspect(ctx, s.image)
	if err != nil {
		t.Fatalf("inspect image %s: %v", s.image, err)
	}
	t.Logf("image %s: %.1f MB, %d layer(s)", s.image, float64(img.Size)/1e6, len(img.RootFS.Layers))
	if img.Size <= 0 || img.Size > maxImageSizeMB*1e6 {
		t.Errorf("image is %d bytes, want at most %d MB", img.Size, maxImageSizeMB)
	}
	if n := len(img.RootFS.Layers); n != 1 {
		t.Errorf("image has %d layers, want 1 (FROM scratch, one COPY of the binary)", n)
	}
	if img.Config == nil {
		t.Fatal("image has no config")
	}
	if img.Config.User != nonRoot {
		t.Errorf("image USER = %q, want %s", img.Config.User, nonRoot)
	}
	if !slices.Equal(img.Config.Entrypoint, []string{"/app"}) || !slices.Equal(img.Config.Cmd, []string{"serve"}) {
		t.Errorf("image entrypoint %q cmd %q, want [/app] [serve]", img.Config.Entrypoint, img.Config.Cmd)
	}

	raw, err := s.api.ContainerInspect(ctx, s.web)
	if err != nil {
		t.Fatalf("inspect %s: %v", s.web, err)
	}
	if raw.Image != s.imageID {
		t.Errorf("web runs image %s, want the one built here, %s", raw.Image, s.imageID)
	}
	if raw.Config.User != nonRoot {
		t.Errorf("web runs as user %q, want %s", raw.Config.User, nonRoot)
	}
	if !raw.HostConfig.ReadonlyRootfs {
		t.Error("web's root filesystem is writable, want read-only")
	}
	if !slices.Contains(raw.HostConfig.CapDrop, "ALL") {
		t.Errorf("web drops capabilities %v, want ALL", raw.HostConfig.CapDrop)
	}
	if !slices.Contains(raw.HostConfig.SecurityOpt, "no-new-privileges:true") {
		t.Errorf("web security options %v, want no-new-privileges:true", raw.HostConfig.SecurityOpt)
	}

	// What the kernel says, not just the config: every process of web runs
	// with UID 65532. (top runs ps on the engine's host.)
	top, err := s.api.ContainerTop(ctx, s.web, []string{"-o", "pid,uid,gid,comm"})
	if err != nil {
		t.Fatalf("top %s: %v", s.web, err)
	}
	uid, gid := slices.Index(top.Titles, "UID"), slices.Index(top.Titles, "GID")
	if uid < 0 || gid < 0 || len(top.Processes) == 0 {
		t.Fatalf("top %s: titles %q, %d processes", s.web, top.Titles, len(top.Processes))
	}
	for _, p := range top.Processes {
		if p[uid] != "65532" || p[gid] != "65532" {
			t.Errorf("web process %q runs as uid %s gid %s, want 65532:65532", p, p[uid], p[gid])
		}
	}

	// FROM scratch: there is no shell to exec.
	res, err := s.cli.Exec(ctx, s.web, []string{"sh", "-c", "true"})
	if err == nil && res.ExitCode == 0 {
		t.Errorf("exec sh in web succeeded; a scratch image has no shell")
	}
}

// testVisits: N GETs of / count N visits, one by one, each answered by web
// by name; /api/stats reports the new total; and the visits are rows in
// PostgreSQL.
func testVisits(t *testing.T, ctx context.Context, s *appStack) {
	const n = 25
	status, before := s.stats(t, ctx)
	if status != http.StatusOK || before.Visits == nil || before.Postgres != "ok" || before.Redis != "ok" {
		t.Fatalf("GET /api/stats = %d %s, want 200 with a total and both dependencies ok", status, before)
	}
	if pg := s.pgVisits(t, ctx); pg != *before.Visits {
		t.Fatalf("/api/stats says %d visits, PostgreSQL has %d rows", *before.Visits, pg)
	}

	for i := int64(1); i <= n; i++ {
		if got := s.visit(t, ctx); got != *before.Visits+i {
			t.Fatalf("GET / #%d reported visits=%d, want %d", i, got, *before.Visits+i)
		}
	}

	status, after := s.stats(t, ctx)
	want := *before.Visits + n
	if status != http.StatusOK || after.Visits == nil || *after.Visits != want {
		t.Errorf("GET /api/stats after %d visits = %d %s, want visits=%d", n, status, after, want)
	}
	if after.ServedBy != s.webHost || after.Postgres != "ok" || after.Redis != "ok" {
		t.Errorf("GET /api/stats = %s, want served_by=%s and both dependencies ok", after, s.webHost)
	}

	if pg := s.pgVisits(t, ctx); pg != want {
		t.Errorf("PostgreSQL has %d rows in visits, want %d", pg, want)
	}
	byWeb := s.mustPsql(t, ctx, fmt.Sprintf("select count(*) from visits where served_by = '%s'", s.webHost))
	if byWeb != strconv.FormatInt(want, 10) {
		t.Errorf("%s rows in visits are served_by %s, want all %d", byWeb, s.webHost, want)
	}
	if total := s.mustPsql(t, ctx, "select total from visit_totals"); total != strconv.FormatInt(want, 10) {
		t.Errorf("visit_totals.total = %s, want %d (the row count)", total, want)
	}
}

// testHealthcheck: `/app healthcheck [PATH]` works in the scratch image,
// and the engine's healthcheck built on it passes.
func testHealthcheck(t *testing.T, ctx context.Context, s *appStack) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"/app", "healthcheck"}, 0},
		{[]string{"/app", "healthcheck", "/healthz"}, 0},
		{[]string{"/app", "healthcheck", "/readyz"}, 0},
		{[]string{"/app", "healthcheck", "/no-such-path"}, 1}, // 404 is a failure
	} {
		if res := s.exec(t, ctx, s.web, tc.args...); res.ExitCode != tc.want {
			t.Errorf("exec %q in web: exit %d, want %d; output %q", tc.args, res.ExitCode, tc.want, res.Output)
		}
	}
	enginetest.Eventually(t, eventWait, "web healthy by the engine's check", func() error {
		if h := s.inspect(t, ctx, s.web).Health; h != "healthy" {
			return fmt.Errorf("health %q", h)
		}
		return nil
	})
}

// testRedisOutage: with Redis stopped the app still counts every visit (in
// PostgreSQL) and says Redis is down; once Redis is back (with a snapshot
// from before the outage) the total it reports is PostgreSQL's.
func testRedisOutage(t *testing.T, ctx context.Context, s *appStack) {
	t.Cleanup(func() { s.ensureRunning(s.cache) })
	const n = 10
	// A visit first: Redis then holds the current total, which it saves
	// when it stops, whatever ran before this subtest.
	base := s.visit(t, ctx)
	if pg := s.pgVisits(t, ctx); pg != base {
		t.Fatalf("GET / reported visits=%d, PostgreSQL has %d", base, pg)
	}

	if err := s.cli.ContainerStop(ctx, s.cache, stopGrace); err != nil {
		t.Fatalf("stop cache: %v", err)
	}
	if c := s.inspect(t, ctx, s.cache); c.Running() {
		t.Fatalf("cache still %s after stop", c.Status)
	}

	var slowest time.Duration
	for i := int64(1); i <= n; i++ {
		start := time.Now()
		got := s.visit(t, ctx)
		slowest = max(slowest, time.Since(start))
		if got != base+i {
			t.Fatalf("GET / #%d with redis down reported visits=%d, want %d", i, got, base+i)
		}
	}
	t.Logf("with redis down: %d visits, slowest GET / %s", n, slowest.Round(time.Millisecond))
	status, st := s.stats(t, ctx)
	if status != http.StatusOK || st.Visits == nil || *st.Visits != base+n || st.Redis != "down" || st.Postgres != "ok" {
		t.Errorf("GET /api/stats with redis down = %d %s, want 200 visits=%d redis=down postgres=ok", status, st, base+n)
	}

	if err := s.cli.ContainerStart(ctx, s.cache); err != nil {
		t.Fatalf("start cache: %v", err)
	}
	started := time.Now()
	s.waitRedis(t, ctx)
	// Redis restarted from the snapshot it saved on stop, which holds the
	// total from before the outage: the app must not serve that. Read it
	// before the app is asked for a total (which refreshes it), so that the
	// check below can tell the two apart.
	if stale := s.redisCLI(t, ctx, "HGET", "stackctl:visits", "total"); stale != strconv.FormatInt(base, 10) {
		t.Fatalf("redis came back holding total %q, want %d from its snapshot: the test cannot tell a stale total from a fresh one", stale, base)
	}
	enginetest.Eventually(t, eventWait, "/api/stats reports redis ok", func() error {
		if _, st := s.stats(t, ctx); st.Redis != "ok" {
			return fmt.Errorf("stats %s", st)
		}
		return nil
	})
	t.Logf("redis reported ok %s after start", time.Since(started).Round(time.Millisecond))

	status, st = s.stats(t, ctx)
	pg := s.pgVisits(t, ctx)
	if pg != base+n {
		t.Errorf("PostgreSQL has %d visits, want %d", pg, base+n)
	}
	if status != http.StatusOK || st.Visits == nil || *st.Visits != pg {
		t.Errorf("GET /api/stats after redis came back = %d %s, want visits=%d (PostgreSQL's count)", status, st, pg)
	}
	if got := s.visit(t, ctx); got != pg+1 {
		t.Errorf("GET / after redis came back reported visits=%d, want %d", got, pg+1)
	}
	if _, st := s.stats(t, ctx); st.Visits == nil || *st.Visits != pg+1 || st.Redis != "ok" {
		t.Errorf("GET /api/stats = %s, want visits=%d redis=ok", st, pg+1)
	}
	if pg2 := s.pgVisits(t, ctx); pg2 != pg+1 {
		t.Errorf("PostgreSQL has %d visits, want %d", pg2, pg+1)
	}
}

// testRedisCrashUnnoticed: Redis dies and comes back (as its restart
// policy does after a crash) between two requests, reloading a snapshot
// older than the total it held. The app sees no failed request, yet the
// total it reports must still be PostgreSQL's, not the snapshot's.
func testRedisCrashUnnoticed(t *testing.T, ctx context.Context, s *appStack) {
	t.Cleanup(func() {
		s.ensureRunning(s.cache)
		// One visit refreshes the cache, whatever this test left in it.
		ctx, cancel := context.WithTimeout(context.Background(), eventWait)
		defer cancel()
		_, _ = s.get(ctx, nil, "/")
	})
	const n = 5
	saved := s.visit(t, ctx)
	if out := s.redisCLI(t, ctx, "SAVE"); out != "OK" {
		t.Fatalf("redis-cli SAVE = %q", out)
	}
	for range n {
		s.visit(t, ctx)
	}
	if got := s.redisCLI(t, ctx, "HGET", "stackctl:visits", "total"); got != strconv.FormatInt(saved+n, 10) {
		t.Fatalf("redis holds total %s, want %d", got, saved+n)
	}

	// A crash: no save on the way down. Then back, as restart: always does.
	if err := s.cli.ContainerKill(ctx, s.cache, "SIGKILL"); err != nil {
		t.Fatalf("kill cache: %v", err)
	}
	if err := s.cli.ContainerStart(ctx, s.cache); err != nil {
		t.Fatalf("start cache: %v", err)
	}
	s.waitRedis(t, ctx)
	// The stale total is there to be served: without it, the check below
	// would pass whatever the app does.
	stale := s.redisCLI(t, ctx, "HGET", "stackctl:visits", "total")
	t.Logf("redis came back holding total %s from its snapshot; PostgreSQL has %d", stale, saved+n)
	if stale != strconv.FormatInt(saved, 10) {
		t.Fatalf("redis came back holding total %q, want %d from the snapshot", stale, saved)
	}

	pg := s.pgVisits(t, ctx)
	if pg != saved+n {
		t.Errorf("PostgreSQL has %d visits, want %d", pg, saved+n)
	}
	status, st := s.stats(t, ctx)
	if status != http.StatusOK || st.Visits == nil || *st.Visits != pg || st.Redis != "ok" {
		t.Errorf("GET /api/stats after redis restarted from an old snapshot = %d %s, want visits=%d (PostgreSQL's count, not the snapshot's %s), redis=ok",
			status, st, pg, stale)
	}
	if got := s.visit(t, ctx); got != pg+1 {
		t.Errorf("GET / reported visits=%d, want %d", got, pg+1)
	}
}

// loopResult is what a request loop got.
type loopResult struct {
	start, end time.Time
	status     int
	body       string
	err        error
}

// requestLoop sends GET / with its own keep-alive connection, pausing
// between requests, until ctx is done; results go to record.
func requestLoop(ctx context.Context, s *appStack, pause time.Duration, record func(loopResult)) {
	c := newHTTPClient(1)
	defer c.CloseIdleConnections()
	for ctx.Err() == nil {
		start := time.Now()
		r, err := s.get(ctx, c, "/")
		if err != nil && ctx.Err() != nil {
			return // cut off by the test, not by the app
		}
		record(loopResult{start: start, end: time.Now(), status: r.status, body: r.body, err: err})
		wait := pause
		if err != nil {
			wait = max(pause, 100*time.Millisecond) // web is away: do not spin
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// results collects loop results safely.
type results struct {
	mu  sync.Mutex
	all []loopResult
}

func (r *results) add(l loopResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, l)
}

func (r *results) snapshot() []loopResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

// awaitCount waits until at least n results sent after since match, and
// fails the test if that never happens.
func (r *results) awaitCount(t *testing.T, n int, since time.Time, what string, match func(loopResult) bool) {
	t.Helper()
	enginetest.Eventually(t, eventWait, what, func() error {
		got := 0
		for _, l := range r.snapshot() {
			if l.start.After(since) && match(l) {
				got++
			}
		}
		if got < n {
			return fmt.Errorf("%d of %d so far", got, n)
		}
		return nil
	})
}

func answered(status int) func(loopResult) bool {
	return func(l loopResult) bool { return l.err == nil && l.status == status }
}

func failed(l loopResult) bool { return l.err != nil }

// testPostgresRestart: with PostgreSQL stopped, GET / answers 503 with a
// one-line reason and web keeps running, unrestarted, alive but not ready;
// once PostgreSQL is back the app serves again by itself, and no visit
// acknowledged with 200 is lost.
func testPostgresRestart(t *testing.T, ctx context.Context, s *appStack) {
	t.Cleanup(func() { s.ensureRunning(s.db) })
	webBefore := s.inspect(t, ctx, s.web)
	base := s.pgVisits(t, ctx)

	// A client visiting throughout the outage, and before it.
	var loop results
	loopCtx, stopLoop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	loopStart := time.Now()
	wg.Go(func() { requestLoop(loopCtx, s, 50*time.Millisecond, loop.add) })
	defer func() { stopLoop(); wg.Wait() }()
	loop.awaitCount(t, 1, loopStart, "the client's first visit", answered(http.StatusOK))

	stopping := time.Now()
	if err := s.cli.ContainerStop(ctx, s.db, stopGrace); err != nil {
		t.Fatalf("stop db: %v", err)
	}
	stopped := time.Now()
	t.Logf("db stopped in %s", stopped.Sub(stopping).Round(time.Millisecond))

	start := time.Now()
	r := s.mustGet(t, ctx, "/")
	took := time.Since(start)
	t.Logf("GET / with db down: %d %q in %s", r.status, r.body, took.Round(time.Millisecond))
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("GET / with db down = %d, want 503", r.status)
	}
	if strings.Count(r.body, "\n") != 1 || !strings.HasSuffix(r.body, "\n") || !strings.Contains(r.body, "database unavailable") {
		t.Errorf("GET / with db down body %q, want one line saying the database is unavailable", r.body)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if r := s.mustGet(t, ctx, "/readyz"); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, `"postgres":"down"`) {
		t.Errorf("GET /readyz with db down = %d %q, want 503 with postgres down", r.status, r.body)
	}
	if r := s.mustGet(t, ctx, "/healthz"); r.status != http.StatusOK {
		t.Errorf("GET /healthz with db down = %d %q, want 200: liveness does not depend on the database", r.status, r.body)
	}
	if status, st := s.stats(t, ctx); status != http.StatusOK || st.Visits == nil || st.Postgres != "down" || st.Redis != "ok" {
		t.Errorf("GET /api/stats with db down = %d %s, want 200 with the cached total, postgres=down redis=ok", status, st)
	}
	if res := s.exec(t, ctx, s.web, "/app", "healthcheck", "/readyz"); res.ExitCode == 0 {
		t.Errorf("`/app healthcheck /readyz` with db down exited 0, want non-zero")
	}
	if res := s.exec(t, ctx, s.web, "/app", "healthcheck"); res.ExitCode != 0 {
		t.Errorf("`/app healthcheck` with db down exited %d, want 0; output %q", res.ExitCode, res.Output)
	}

	// Let the client keep failing, and the engine run web's healthcheck,
	// while the database is away: web must stay up, untouched, through
	// both. (Both times below are the engine's.)
	dbDown := s.inspect(t, ctx, s.db).FinishedAt
	loop.awaitCount(t, 20, stopped, "20 answers of 503 to the client with db down", answered(http.StatusServiceUnavailable))
	enginetest.Eventually(t, eventWait, "the engine checks web's health with db down", func() error {
		log := s.inspect(t, ctx, s.web).HealthLog
		if !slices.ContainsFunc(log, func(h engine.HealthResult) bool { return h.Start.After(dbDown) }) {
			return fmt.Errorf("no check since db stopped at %s: %+v", dbDown, log)
		}
		return nil
	})
	checkUnrestarted := func(when string) {
		t.Helper()
		web := s.inspect(t, ctx, s.web)
		if !web.Running() || web.ID != webBefore.ID || web.RestartCount != 0 || !web.StartedAt.Equal(webBefore.StartedAt) {
			t.Errorf("web %s: %s id %s restarts %d started %s; want running, id %s, 0 restarts, started %s",
				when, web.Status, shortID(web.ID), web.RestartCount, web.StartedAt, shortID(webBefore.ID), webBefore.StartedAt)
		}
	}
	checkUnrestarted("while db was down")

	dbStart := time.Now()
	if err := s.cli.ContainerStart(ctx, s.db); err != nil {
		t.Fatalf("start db: %v", err)
	}
	if err := s.waitPostgres(ctx, eventWait); err != nil {
		t.Fatal(err)
	}
	dbReady := time.Now()
	enginetest.Eventually(t, eventWait, "GET / answers 200 once postgres is back", func() error {
		r, err := s.get(ctx, nil, "/")
		if err != nil {
			return err
		}
		if r.status != http.StatusOK {
			return fmt.Errorf("%d %q", r.status, r.body)
		}
		return nil
	})
	t.Logf("db accepted connections %s after start; GET / answered 200 %s after that",
		dbReady.Sub(dbStart).Round(time.Millisecond), time.Since(dbReady).Round(time.Millisecond))
	if r := s.mustGet(t, ctx, "/readyz"); r.status != http.StatusOK {
		t.Errorf("GET /readyz after db came back = %d %q, want 200", r.status, r.body)
	}
	if res := s.exec(t, ctx, s.web, "/app", "healthcheck", "/readyz"); res.ExitCode != 0 {
		t.Errorf("`/app healthcheck /readyz` after db came back exited %d, want 0; output %q", res.ExitCode, res.Output)
	}
	loop.awaitCount(t, 3, dbReady, "the client's visits counted again", answered(http.StatusOK))
	stopLoop()
	wg.Wait()
	checkUnrestarted("after db came back")

	// Every visit acknowledged with 200 (by the loop, and the one recovery
	// probe that succeeded, at least) is in PostgreSQL.
	var ok, unavailable, failed int64
	var highest int64
	for _, l := range loop.snapshot() {
		switch {
		case l.err != nil:
			failed++
			t.Logf("loop request at %s failed: %v", l.start.Format("15:04:05.000"), l.err)
		case l.status == http.StatusOK:
			ok++
			if n, _, parsed := parseVisit(l.body); parsed {
				highest = max(highest, n)
			}
		case l.status == http.StatusServiceUnavailable:
			unavailable++
		default:
			t.Errorf("loop request got %d %q, want 200 or 503", l.status, l.body)
		}
	}
	pg := s.pgVisits(t, ctx)
	t.Logf("loop: %d ok, %d 503, %d failed; PostgreSQL %d visits, %d before the outage", ok, unavailable, failed, pg, base)
	if failed > 0 {
		t.Errorf("%d loop requests got no HTTP answer; web must answer (503) while the database is away", failed)
	}
	if unavailable == 0 {
		t.Error("the loop never saw a 503: the outage was not observed")
	}
	if pg < base+ok+1 || highest > pg {
		t.Errorf("PostgreSQL has %d visits, want at least %d (before) + %d (acknowledged by the loop) + 1 (recovery probe), and no fewer than the highest total acknowledged, %d",
			pg, base, ok, highest)
	}
	if _, st := s.stats(t, ctx); st.Visits == nil || *st.Visits != pg || st.Postgres != "ok" {
		t.Errorf("GET /api/stats after recovery = %s, want visits=%d postgres=ok", st, pg)
	}
	logs, err := s.logs(ctx, s.web)
	if err != nil {
		t.Fatal(err)
	}
	starts := 0
	for _, l := range appLogs(logs) {
		if l.Msg == "starting" {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("web logged %d starts, want 1: the process must ride the outage out", starts)
	}
}

// runToExit runs a container from the app image with cmd on the stack's
// network, hardened as the stack runs it, and returns it once it exited,
// with its logs.
func (s *appStack) runToExit(t *testing.T, ctx context.Context, name string, cmd ...string) (engine.Container, string) {
	t.Helper()
	migrate, ok := s.st.Service("migrate")
	if !ok {
		t.Fatal("the stack has no migrate service")
	}
	var env []string
	for _, e := range migrate.Environment {
		env = append(env, e.Name+"="+e.Value)
	}
	id := enginetest.Run(t, s.cli, s.project, engine.ContainerSpec{
		Name: s.project + "-" + name, Image: s.image, Cmd: cmd, Env: env,
		Networks: []engine.Endpoint{{Network: s.network}}, User: nonRoot, ReadOnlyRootfs: true,
		CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges:true"},
		Healthcheck: &stack.Healthcheck{Test: []string{"NONE"}},
		// The password file, as migrate's own container has it.
		Mounts: []stack.Mount{{Type: stack.MountVolume, Source: s.project + "_migrate-1_run-secrets", Target: stack.SecretsDir, ReadOnly: true}},
	})
	var c engine.Container
	enginetest.Eventually(t, eventWait, name+" exited", func() error {
		c = s.inspect(t, ctx, id)
		if c.Status != "exited" {
			return fmt.Errorf("status %s", c.Status)
		}
		return nil
	})
	logs, err := s.logs(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c, logs
}

// testMigrateTwice: `app migrate` on an already migrated database changes
// nothing and succeeds, twice; the data and the triggers stay.
func testMigrateTwice(t *testing.T, ctx context.Context, s *appStack) {
	const (
		schemaSQL   = "select string_agg(version || ':' || name, ',' order by version) from schema_migrations"
		triggersSQL = "select string_agg(tgname, ',' order by tgname) from pg_trigger where tgrelid = 'visits'::regclass and not tgisinternal"
	)
	schema := s.mustPsql(t, ctx, schemaSQL)
	triggers := s.mustPsql(t, ctx, triggersSQL)
	visits := s.pgVisits(t, ctx)
	t.Logf("schema %s; triggers %s; %d visits", schema, triggers, visits)
	if schema != "1:create visits,2:maintain visit total" {
		t.Fatalf("schema_migrations before = %q, want both migrations", schema)
	}

	for run := 1; run <= 2; run++ {
		c, logs := s.runToExit(t, ctx, fmt.Sprintf("migrate-again-%d", run), "migrate")
		if c.ExitCode != 0 {
			t.Fatalf("migrate run %d exited %d; logs:\n%s", run, c.ExitCode, logs)
		}
		upToDate := false
		for _, l := range appLogs(logs) {
			if l.Msg == "applied migration" {
				t.Errorf("migrate run %d applied a migration again; logs:\n%s", run, logs)
			}
			if l.Msg == "schema up to date" {
				upToDate = true
			}
		}
		if !upToDate || !strings.Contains(logs, `"applied":0`) {
			t.Errorf("migrate run %d did not report the schema up to date with 0 applied; logs:\n%s", run, logs)
		}
	}

	if got := s.mustPsql(t, ctx, schemaSQL); got != schema {
		t.Errorf("schema_migrations after = %q, want %q", got, schema)
	}
	if got := s.mustPsql(t, ctx, triggersSQL); got != triggers || got == "" {
		t.Errorf("triggers on visits after = %q, want %q", got, triggers)
	}
	if got := s.pgVisits(t, ctx); got != visits {
		t.Errorf("visits after migrating again = %d, want %d", got, visits)
	}
	if got := s.mustPsql(t, ctx, "select total from visit_totals"); got != strconv.FormatInt(visits, 10) {
		t.Errorf("visit_totals.total = %s, want %d", got, visits)
	}
	if got := s.visit(t, ctx); got != visits+1 {
		t.Errorf("GET / after migrating again reported visits=%d, want %d", got, visits+1)
	}
}

// testGracefulShutdown: SIGTERM (a stop with a grace period) while clients
// loop on GET / and some of their requests are held up in PostgreSQL: the
// app finishes what it accepted, every request it handled reaches its
// client, and it exits 0 within the grace period.
//
// The requests are made slow by a transaction that locks visit_totals (each
// visit's trigger updates it), released only once web logged that it is
// shutting down, so requests are provably in flight when SIGTERM lands.
func testGracefulShutdown(t *testing.T, ctx context.Context, s *appStack) {
	const clients = 4
	base := s.pgVisits(t, ctx)
	logsBefore, err := s.logs(ctx, s.web)
	if err != nil {
		t.Fatal(err)
	}
	handledBefore := countRootRequests(appLogs(logsBefore))

	// Lock first, then start the clients: their requests block at once, and
	// the app's 3 s request timeout runs from then, which leaves room for
	// the steps below on a loaded machine.
	release := s.lockVisitTotals(t, ctx)
	var loop results
	loopCtx, stopLoop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() { requestLoop(loopCtx, s, 25*time.Millisecond, loop.add) })
	}
	defer func() { stopLoop(); wg.Wait() }()
	var blocked string
	enginetest.Eventually(t, eventWait, "visits waiting on the lock", func() error {
		blocked, err = s.psql(ctx, "select count(*) from pg_stat_activity "+
			"where application_name = 'stackctl-app' and wait_event_type = 'Lock'")
		if err != nil || blocked == "0" {
			return fmt.Errorf("%q %v", blocked, err)
		}
		return nil
	})

	stopAt := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- s.cli.ContainerStop(ctx, s.web, stopGrace) }()
	t.Logf("%s visits waiting on the lock when web was stopped", blocked)

	// Release the lock once web is shutting down, so the requests it is
	// draining complete.
	var sigtermAt time.Time
	enginetest.Eventually(t, eventWait, "web logs that it is shutting down", func() error {
		logs, err := s.logs(ctx, s.web)
		if err != nil {
			return err
		}
		if !strings.Contains(logs, `"msg":"shutting down"`) {
			return errors.New("not yet")
		}
		sigtermAt = time.Now()
		return nil
	})
	release()
	releasedAt := time.Now()
	if err := <-stopped; err != nil {
		t.Fatalf("stop web: %v", err)
	}
	exitedAt := time.Now()
	// Stop the clients once they find the port closed: every request sent
	// before then has had its answer, or its error.
	loop.awaitCount(t, 1, exitedAt, "a client finds web gone", failed)
	stopLoop()
	wg.Wait()
	t.Logf("stop sent at +0; shutting down seen +%s; lock released +%s; web exited +%s",
		sigtermAt.Sub(stopAt).Round(time.Millisecond), releasedAt.Sub(stopAt).Round(time.Millisecond),
		exitedAt.Sub(stopAt).Round(time.Millisecond))

	// Exit code 0: web stopped by itself, within the grace period; the
	// engine's SIGKILL at its end would make it 137.
	web := s.inspect(t, ctx, s.web)
	if web.Status != "exited" || web.ExitCode != 0 || web.OOMKilled {
		t.Errorf("web after stop: %s, exit code %d, OOM %v; want exited 0, not killed", web.Status, web.ExitCode, web.OOMKilled)
	}
	logs, err := s.logs(ctx, s.web)
	if err != nil {
		t.Fatal(err)
	}
	lines := appLogs(logs)
	shutdownAt := slices.IndexFunc(lines, func(l logLine) bool { return l.Msg == "shutting down" })
	if shutdownAt < 0 {
		t.Fatalf("web never logged shutting down; logs:\n%s", logs)
	}
	drained := lines[shutdownAt+1:]
	var drainedStatus []int
	for _, l := range drained {
		if l.Msg == "request" && l.Path == "/" {
			drainedStatus = append(drainedStatus, l.Status)
		}
		if l.Level == "ERROR" {
			t.Errorf("web logged an error while shutting down: %+v", l)
		}
	}
	if !slices.ContainsFunc(drained, func(l logLine) bool { return l.Msg == "stopped" }) {
		t.Errorf("web did not log a clean stop; logs after shutting down:\n%+v", drained)
	}
	if len(drainedStatus) == 0 {
		t.Errorf("no request was in flight when web began shutting down; the test proved nothing")
	}

	// Every request web handled reached its client, and nothing sent before
	// the stop failed. (Requests sent after it may find the port closing:
	// the engine's proxy resets them, and web never saw them.)
	var answered, ok, unavailable, failedAfter int
	var sampleErr error
	for _, l := range loop.snapshot() {
		switch {
		case l.err == nil:
			answered++
			switch l.status {
			case http.StatusOK:
				ok++
			case http.StatusServiceUnavailable:
				unavailable++ // waited past the app's request timeout
			default:
				t.Errorf("loop request got %d %q, want 200", l.status, l.body)
			}
		case l.start.Before(stopAt):
			t.Errorf("request sent %s before the stop failed: %v (reset: %v)",
				stopAt.Sub(l.start).Round(time.Millisecond), l.err, errors.Is(l.err, syscall.ECONNRESET))
		default:
			failedAfter++
			sampleErr = l.err
		}
	}
	handled := countRootRequests(lines) - handledBefore
	pg := s.pgVisits(t, ctx)
	t.Logf("loop: %d answered (%d ok, %d 503), %d failed after the stop (e.g. %v); web handled %d, %d of them while draining (statuses %v); PostgreSQL +%d visits",
		answered, ok, unavailable, failedAfter, sampleErr, handled, len(drainedStatus), drainedStatus, pg-base)
	if handled != answered {
		t.Errorf("web handled %d GET / but its clients got %d answers: responses were lost", handled, answered)
	}
	// Each 200 is a committed visit. A 503 here comes from a request that
	// outwaited the app's timeout, which may leave its visit in doubt (see
	// the subtest on slow commits); the lock is released long before that.
	if pg-base < int64(ok) || pg-base > int64(ok+unavailable) {
		t.Errorf("PostgreSQL has %d new visits, clients got %d 200s (and %d 503s)", pg-base, ok, unavailable)
	}
}

// lockVisitTotals takes an exclusive lock on visit_totals, which every
// visit's trigger then waits for, and returns the function that releases it.
func (s *appStack) lockVisitTotals(t *testing.T, ctx context.Context) (release func()) {
	t.Helper()
	return s.holdLock(t, ctx, "LOCK TABLE visit_totals IN EXCLUSIVE MODE;", "l.relation = 'visit_totals'::regclass")
}

// holdLock runs lock, statements that take a lock, in a transaction of a
// psql session in db; waits until pg_locks l shows that session granted a
// lock that matches the condition which; and returns the function that
// commits, releasing it. The session reads its commands from this test, so
// the release takes effect at once, and ends (releasing the lock) whenever
// the test does.
func (s *appStack) holdLock(t *testing.T, ctx context.Context, lock, which string) (release func()) {
	t.Helper()
	const locker = "apptest-locker"
	created, err := s.api.ContainerExecCreate(ctx, s.db, container.ExecOptions{
		Cmd: []string{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
			"dbname=appdb user=appuser application_name=" + locker},
		AttachStdin: true, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		t.Fatalf("exec psql in %s: %v", s.db, err)
	}
	session, err := s.api.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		t.Fatalf("attach to psql in %s: %v", s.db, err)
	}
	var output strings.Builder
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		_, _ = stdcopy.StdCopy(&output, &output, session.Reader)
	}()
	var once sync.Once
	release = func() {
		once.Do(func() {
			_, _ = io.WriteString(session.Conn, "COMMIT;\n")
			_ = session.CloseWrite()
			select {
			case <-ended:
			case <-time.After(eventWait):
				t.Errorf("psql holding the lock did not exit; output %q", output.String())
			}
			session.Close()
		})
	}
	t.Cleanup(release)

	if _, err := io.WriteString(session.Conn, "BEGIN;\n"+lock+"\n"); err != nil {
		t.Fatalf("send to psql: %v", err)
	}
	enginetest.Eventually(t, eventWait, "lock taken: "+lock, func() error {
		out, err := s.psql(ctx, "select count(*) from pg_locks l join pg_stat_activity a using (pid) "+
			"where a.application_name = '"+locker+"' and "+which+" and l.granted")
		if err != nil || out != "1" {
			return fmt.Errorf("%q %v; psql said %q", out, err, output.String())
		}
		return nil
	})
	return release
}

// testInDoubtCommit: a visit answered 503 ("cannot record visit") must not
// have been recorded, even when what hangs is the commit itself (a
// saturated disk, a synchronous standby). A deferred trigger makes each
// commit wait for an advisory lock that this test holds, so the commit
// cannot finish within the app's request timeout and the answer must be
// 503. The lock is released only once the visit's transaction has ended:
// a commit the app left running would then go through, and be counted.
func testInDoubtCommit(t *testing.T, ctx context.Context, s *appStack) {
	const gate = 4242 // the advisory lock key
	s.mustPsql(t, ctx, fmt.Sprintf(`
CREATE FUNCTION apptest_gated_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_advisory_xact_lock_shared(%d); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER apptest_gated_commit AFTER INSERT ON visits
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION apptest_gated_commit();`, gate))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), eventWait)
		defer cancel()
		if _, err := s.psql(ctx, "DROP TRIGGER IF EXISTS apptest_gated_commit ON visits; "+
			"DROP FUNCTION IF EXISTS apptest_gated_commit()"); err != nil {
			t.Errorf("drop the gated-commit trigger: %v", err)
		}
	})

	before := s.pgVisits(t, ctx)
	release := s.holdLock(t, ctx, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d);", gate),
		fmt.Sprintf("l.locktype = 'advisory' and l.objid = %d", gate))

	type answer struct {
		r   response
		err error
	}
	answers := make(chan answer, 1)
	start := time.Now()
	go func() {
		r, err := s.get(ctx, nil, "/")
		answers <- answer{r, err}
	}()

	// The visit is inserted and its commit waits at the gate.
	var pid string
	enginetest.Eventually(t, eventWait, "the visit's commit waiting for the lock", func() error {
		out, err := s.psql(ctx, "select pid from pg_stat_activity where application_name = 'stackctl-app' "+
			"and query = 'commit' and wait_event_type = 'Lock' and wait_event = 'advisory'")
		if err != nil || out == "" || strings.Contains(out, "\n") {
			return fmt.Errorf("want one backend: %q %v", out, err)
		}
		pid = out
		return nil
	})

	var r response
	select {
	case a := <-answers:
		if a.err != nil {
			t.Fatalf("GET / with its commit held: %v", a.err)
		}
		r = a.r
	case <-time.After(eventWait):
		t.Fatal("GET / never answered while its commit was held")
	}
	t.Logf("GET / with its commit held: %d %q after %s", r.status, r.body, time.Since(start).Round(time.Millisecond))
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "cannot record visit") {
		t.Fatalf("GET / with its commit held = %d %q, want 503 cannot record visit", r.status, r.body)
	}

	// The app gave up on the visit; its transaction must end without the
	// gate opening (the app cancels it), or the commit is still in doubt.
	enginetest.Eventually(t, eventWait, "the transaction of the visit answered 503 ended", func() error {
		out, err := s.psql(ctx, "select count(*) from pg_stat_activity where pid = "+pid+" and xact_start is not null")
		if err != nil || out != "0" {
			return fmt.Errorf("backend %s still in its transaction (%q %v): opening the gate would commit it", pid, out, err)
		}
		return nil
	})
	release()
	if after := s.pgVisits(t, ctx); after != before {
		t.Errorf("GET / answered 503 %q (with Retry-After %q), yet the visit was recorded: PostgreSQL went from %d to %d visits; "+
			"a client that retries counts it twice", r.body, r.header.Get("Retry-After"), before, after)
	}
	// With the gate open, visits commit again, and the 503 is not counted.
	if got := s.visit(t, ctx); got != before+1 {
		t.Errorf("GET / after the 503 reported visits=%d, want %d", got, before+1)
	}
}

// countRootRequests counts the access log lines of GET /.
func countRootRequests(lines []logLine) int {
	n := 0
	for _, l := range lines {
		if l.Msg == "request" && l.Method == http.MethodGet && l.Path == "/" {
			n++
		}
	}
	return n
}
