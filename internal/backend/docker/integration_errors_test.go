package docker_test

// Integration tests of Up's failures against the real engine: resources it
// does not own, a taken host port, a missing image, a failing build, a
// dependency that never turns healthy, an unreachable engine, and Ctrl-C.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// TestUpIntegrationRefusesContainerItDoesNotOwn puts a plain, unlabelled
// container under the name of the project's db container: Up must fail
// with NotOwnedError and leave it exactly as it was, and so must Down.
func TestUpIntegrationRefusesContainerItDoesNotOwn(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	st := e.defaultStack()
	db, _ := st.Service("db")
	name := st.ContainerName(db, 1)

	foreignID, err := e.cli.ContainerCreate(ctx, engine.ContainerSpec{
		Name: name, Image: "postgres:15", Cmd: []string{"sleep", "infinity"},
	})
	if err != nil {
		t.Fatalf("create the foreign container %s: %v", name, err)
	}
	// Registered before the project's cleanup, so it runs after Down.
	t.Cleanup(func() { _ = e.cli.ContainerRemove(context.Background(), foreignID) })
	e.cleanupProject(st)
	if err := e.cli.ContainerStart(ctx, foreignID); err != nil {
		t.Fatalf("start the foreign container: %v", err)
	}
	before := e.inspect(ctx, foreignID)

	_, err = e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	var notOwned *backend.NotOwnedError
	if !errors.As(err, &notOwned) {
		t.Fatalf("up with a foreign container named %s: error %v, want *backend.NotOwnedError", name, err)
	}
	if notOwned.Kind != "container" || notOwned.Name != name || notOwned.Project != e.project || notOwned.Owner != "" {
		t.Errorf("NotOwnedError = %+v, want container %s of no project, refused for project %s", notOwned, name, e.project)
	}
	if !strings.Contains(err.Error(), name) {
		t.Errorf("error %q does not name the container %s", err, name)
	}

	checkUntouched := func(when string) {
		t.Helper()
		after, err := e.cli.ContainerInspect(ctx, name)
		if err != nil {
			t.Fatalf("%s: the foreign container %s is gone: %v", when, name, err)
		}
		_, labelled := after.Labels[stack.LabelProject]
		if after.ID != foreignID || after.Status != "running" || !after.StartedAt.Equal(before.StartedAt) ||
			labelled || !maps.Equal(after.Labels, before.Labels) {
			t.Errorf("%s: foreign container is %s %s started %s labels %v; want %s still running since %s with labels %v",
				when, after.ID, after.Status, after.StartedAt, after.Labels, foreignID, before.StartedAt, before.Labels)
		}
	}
	checkUntouched("after up")
	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ps {
		if c.State == "running" {
			t.Errorf("up refused the stack but left %s (%s) running", c.Name, c.Service)
		}
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down: %v", err)
	}
	checkUntouched("after down")
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("down left resources of the project: %v", left)
	}
}

// TestUpIntegrationRefusesNetworkItDoesNotOwn does the same with an
// unlabelled network under the name of the project's network.
func TestUpIntegrationRefusesNetworkItDoesNotOwn(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	st := e.defaultStack()
	name := st.NetworkName("app-network")
	if err := e.cli.NetworkCreate(ctx, name, "bridge", nil); err != nil {
		t.Fatalf("create the foreign network %s: %v", name, err)
	}
	t.Cleanup(func() { _ = e.cli.NetworkRemove(context.Background(), name) })
	e.cleanupProject(st)
	before, err := e.cli.NetworkInspect(ctx, name)
	if err != nil {
		t.Fatal(err)
	}

	_, err = e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	var notOwned *backend.NotOwnedError
	if !errors.As(err, &notOwned) || notOwned.Kind != "network" || notOwned.Name != name {
		t.Fatalf("up with a foreign network named %s: error %v, want a NotOwnedError for that network", name, err)
	}
	if ps, err := e.orch.PS(ctx, st); err != nil || len(ps) != 0 {
		t.Errorf("up refused the network but created containers: %+v, %v", ps, err)
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down: %v", err)
	}
	after, err := e.cli.NetworkInspect(ctx, name)
	if err != nil || after.ID != before.ID {
		t.Errorf("after up and down, the foreign network is %+v, %v; want %s untouched", after, err, before.ID)
	}
}

// TestUpIntegrationHostPortInUse holds a host port open and asks web to
// publish it: Up must fail with PortInUseError naming the port.
func TestUpIntegrationHostPortInUse(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	port := ln.Addr().(*net.TCPAddr).Port

	st := e.defaultStack()
	web, _ := st.Service("web")
	web.Ports = []stack.Port{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 5000, Protocol: "tcp"}}
	e.cleanupProject(st)

	_, err = e.orch.Up(ctx, st, backend.UpOptions{})
	var inUse *backend.PortInUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("up with host port %d taken: error %v, want *backend.PortInUseError", port, err)
	}
	if !errors.Is(err, engine.ErrPortInUse) {
		t.Errorf("error %v does not wrap engine.ErrPortInUse", err)
	}
	if inUse.Container != st.ContainerName(web, 1) {
		t.Errorf("PortInUseError names container %q, want %q", inUse.Container, st.ContainerName(web, 1))
	}
	if !strings.Contains(inUse.Ports, strconv.Itoa(port)) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q (ports %q) does not name port %d", err, inUse.Ports, port)
	}

	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ps {
		if c.Service == "web" && c.State == "running" {
			t.Errorf("web is running though its port was taken: %+v", c)
		}
	}
	// The port is still ours.
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatalf("dial our own listener: %v", err)
	}
	conn.Close()
	if err := <-accepted; err != nil {
		t.Errorf("our listener on %d stopped accepting: %v", port, err)
	}
}

// TestUpIntegrationImageMissing gives cache an image that is neither on the
// engine nor pullable: Up must fail with ImageMissingError before it
// creates anything.
func TestUpIntegrationImageMissing(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	const missing = "stackctl-test-missing:nope"
	if _, err := e.cli.ImageInspect(ctx, missing); !itgNotFound(err) {
		t.Fatalf("image %s should not exist: %v", missing, err)
	}
	st := e.defaultStack()
	cache, _ := st.Service("cache")
	cache.Image = missing
	e.cleanupProject(st)

	_, err := e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	var miss *backend.ImageMissingError
	if !errors.As(err, &miss) {
		t.Fatalf("up with image %s: error %v, want *backend.ImageMissingError", missing, err)
	}
	if miss.Ref != missing || !strings.Contains(err.Error(), missing) {
		t.Errorf("ImageMissingError = %q (ref %q), want it to name %s", err, miss.Ref, missing)
	}
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("up failed on a missing image but created %v", left)
	}
}

// TestUpIntegrationBuildFailure breaks the app's Dockerfile with a step
// that fails: Up's error must show the failing step and what it printed.
func TestUpIntegrationBuildFailure(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)

	dir := filepath.Join(t.TempDir(), "app")
	if err := os.CopyFS(dir, os.DirFS(itgAppDir(t))); err != nil {
		t.Fatalf("copy app/: %v", err)
	}
	dockerfile := filepath.Join(dir, "Dockerfile")
	src, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	const broken = `RUN echo "stackctl-itg: this step is broken on purpose" && exit 1`
	const anchor = "WORKDIR /src\n"
	if !strings.Contains(string(src), anchor) {
		t.Fatalf("app/Dockerfile has no %q line to break the build after", strings.TrimSpace(anchor))
	}
	patched := strings.Replace(string(src), anchor, anchor+broken+"\n", 1)
	if err := os.WriteFile(dockerfile, []byte(patched), 0o644); err != nil {
		t.Fatal(err)
	}

	st := e.defaultStackFrom(dir)
	e.cleanupProject(st)
	_, err = e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	if err == nil {
		t.Fatal("up with a broken Dockerfile succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, broken) {
		t.Errorf("build error does not show the failing step %q:\n%s", broken, msg)
	}
	if !strings.Contains(msg, "stackctl-itg: this step is broken on purpose") || strings.Count(msg, "broken on purpose") < 2 {
		t.Errorf("build error does not show the failing step's output:\n%s", msg)
	}
	var buildErr *engine.BuildError
	if !errors.As(err, &buildErr) || !strings.Contains(buildErr.Step, "RUN echo") {
		t.Errorf("error %T does not wrap an *engine.BuildError at the RUN step (got %+v)", err, buildErr)
	}
	web, _ := st.Service("web")
	if _, err := e.cli.ImageInspect(ctx, web.Image); !itgNotFound(err) {
		t.Errorf("image %s exists after its build failed: %v", web.Image, err)
	}
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("up failed to build but created %v", left)
	}
}

// neverHealthy is the default stack with a db healthcheck that always fails.
func itgNeverHealthy(e *itgEnv) *stack.Stack {
	st := e.defaultStack()
	db, _ := st.Service("db")
	db.Healthcheck.Test = []string{"CMD-SHELL", "exit 1"}
	return st
}

// TestUpIntegrationDependencyNeverHealthy gives db a healthcheck that
// never passes: Up must fail within its wait timeout with ServiceFailedError
// naming db, and start neither migrate nor web.
func TestUpIntegrationDependencyNeverHealthy(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	st := itgNeverHealthy(e)
	e.cleanupProject(st)

	_, err := e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: 4 * time.Second})
	var failed *backend.ServiceFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("up with a never-healthy db: error %v, want *backend.ServiceFailedError", err)
	}
	db, _ := st.Service("db")
	if failed.Service != "db" || failed.Container != st.ContainerName(db, 1) {
		t.Errorf("ServiceFailedError names service %q container %q, want db %q", failed.Service, failed.Container, st.ContainerName(db, 1))
	}
	if !strings.Contains(failed.Reason, "4s") {
		t.Errorf("reason %q does not say it waited the 4s timeout", failed.Reason)
	}
	if !strings.Contains(failed.LastProbe, "exit 1") {
		t.Errorf("last probe %q does not show the failing check's exit 1", failed.LastProbe)
	}
	if strings.Contains(err.Error(), "dependency failed") {
		t.Errorf("error repeats the dependents' failures; want db's alone:\n%v", err)
	}

	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ps {
		if c.Service != "migrate" && c.Service != "web" {
			continue
		}
		// They may have been created ahead of time, but never started.
		if c.State != "created" || !c.StartedAt.IsZero() {
			t.Errorf("%s is %s (started %s) though db never became healthy", c.Service, c.State, c.StartedAt)
		}
	}
	for _, ev := range e.events.Events() {
		if ev.Status == "started" && (strings.HasSuffix(ev.Resource, "-web-1") || strings.HasSuffix(ev.Resource, "-migrate-1")) {
			t.Errorf("reported %s %s though db never became healthy", ev.Resource, ev.Status)
		}
	}
}

// TestUpIntegrationEngineUnreachable points DOCKER_HOST at a port nothing
// listens on.
func TestUpIntegrationEngineUnreachable(t *testing.T) {
	const host = "tcp://127.0.0.1:1"
	t.Setenv("DOCKER_HOST", host)
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_CERT_PATH", "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := engine.New(ctx)
	if err == nil {
		cli.Close()
		t.Fatalf("engine.New with DOCKER_HOST=%s succeeded", host)
	}
	if !errors.Is(err, engine.ErrUnreachable) {
		t.Errorf("error %v is not engine.ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), host) {
		t.Errorf("error %q does not name the host %s", err, host)
	}
}

// TestUpIntegrationCancelWhileWaiting cancels Up's context (Ctrl-C) while
// it waits on a db that never turns healthy (postgres itself is up; only its
// healthcheck fails): Up must return promptly with context.Canceled, and a
// later Up of the healthy default stack on the same project must converge.
func TestUpIntegrationCancelWhileWaiting(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	broken := itgNeverHealthy(e)
	db, _ := broken.Service("db")
	dbName := itgContainerName(broken, db)
	itgCancelThenUp(t, e, broken, func(ctx context.Context) {
		// Cancel once postgres has finished its first start, so Up is
		// waiting on the healthcheck alone.
		enginetest.Eventually(t, 3*time.Minute, "postgres ready", func() error {
			var logs strings.Builder
			if err := e.cli.ContainerLogs(ctx, dbName, engine.LogsOptions{Tail: -1}, &logs, &logs); err != nil {
				return err
			}
			if !strings.Contains(logs.String(), "database system is ready to accept connections") {
				return errors.New("not ready yet")
			}
			return nil
		})
	})
}

// TestUpIntegrationCancelDuringFirstDBInitThenUp is the same Ctrl-C, but
// while postgres is still initialising its new volume, as it is for the
// first tens of seconds of a first Up on a loaded machine. A shim makes
// initdb's run slow after it created the cluster, so the window is wide
// and the outcome does not depend on the machine's load. The following
// Up replaces db (its config differs); the replacement must not leave
// the stack unable to converge.
func TestUpIntegrationCancelDuringFirstDBInitThenUp(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	broken := itgNeverHealthy(e)
	db, _ := broken.Service("db")
	db.Command = []string{"bash", "-c", `set -e
mkdir -p /tmp/slow
printf '#!/bin/sh\n/usr/lib/postgresql/15/bin/initdb "$@" || exit\nsleep 30\n' >/tmp/slow/initdb
chmod 755 /tmp/slow /tmp/slow/initdb
PATH=/tmp/slow:$PATH exec docker-entrypoint.sh postgres`}
	itgCancelThenUp(t, e, broken, func(ctx context.Context) {
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	})
}

// itgCancelThenUp runs Up of broken and cancels it (Ctrl-C) once db has
// started and wait has returned; Up must return context.Canceled at once.
// Then Up of the healthy default stack must converge.
func itgCancelThenUp(t *testing.T, e *itgEnv, broken *stack.Stack, wait func(context.Context)) {
	t.Helper()
	ctx := enginetest.Context(t, 8*time.Minute)
	e.cleanupProject(broken)
	db, _ := broken.Service("db")
	dbName := itgContainerName(broken, db)

	upCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once       sync.Once
		canceledAt time.Time
		cancelled  = make(chan struct{})
	)
	e.events.setHook(func(ev progress.Event) {
		if ev.Resource == "container "+dbName && ev.Status == "started" {
			go once.Do(func() {
				wait(upCtx)
				canceledAt = time.Now()
				close(cancelled)
				cancel()
			})
		}
	})
	type outcome struct {
		err error
		at  time.Time
	}
	done := make(chan outcome, 1)
	go func() {
		_, err := e.orch.Up(upCtx, broken, backend.UpOptions{WaitTimeout: 5 * time.Minute})
		done <- outcome{err, time.Now()}
	}()
	var out outcome
	select {
	case out = <-done:
	case <-ctx.Done():
		t.Fatal("up never returned")
	}
	e.events.setHook(nil)
	select {
	case <-cancelled:
	default:
		t.Fatalf("up returned before it was cancelled, with %v", out.err)
	}
	if !errors.Is(out.err, context.Canceled) {
		t.Fatalf("up after cancel: error %v, want context.Canceled", out.err)
	}
	var failed *backend.ServiceFailedError
	if errors.As(out.err, &failed) {
		t.Errorf("cancel was reported as a service failure: %v", out.err)
	}
	// Far below the 5 minute wait timeout: Up stopped waiting because of the
	// cancel, not because the wait ran out.
	if waited := out.at.Sub(canceledAt); waited > 30*time.Second {
		t.Errorf("up returned %s after the cancel; want it to stop waiting at once", waited)
	}
	if c, err := e.cli.ContainerInspect(ctx, dbName); err != nil || !c.Running() {
		t.Errorf("after the cancel, db is %+v, %v; want it left running", c.Status, err)
	}

	// db's config differs now, so this Up replaces the db container the
	// cancelled one left behind.
	healthy := e.defaultStack()
	res, err := e.orch.Up(ctx, healthy, backend.UpOptions{WaitTimeout: 90 * time.Second})
	if err != nil {
		var logs strings.Builder
		_ = e.cli.ContainerLogs(ctx, dbName, engine.LogsOptions{Tail: 30}, &logs, &logs)
		t.Fatalf("up of the healthy stack after the cancelled one: %v\n--- db logs ---\n%s", err, logs.String())
	}
	got := itgByService(t, res.Containers)
	if len(got) != 4 {
		t.Fatalf("up after the cancelled one: %d services, want 4: %+v", len(got), res.Containers)
	}
	for _, name := range []string{"db", "cache", "web"} {
		if got[name].State != "running" {
			t.Errorf("%s is %s after the second up, want running", name, got[name].State)
		}
	}
	if got["migrate"].State != "exited" || got["migrate"].ExitCode != 0 {
		t.Errorf("migrate is %s exit %d, want exited 0", got["migrate"].State, got["migrate"].ExitCode)
	}
	if n := itgVisit(t, ctx, itgWebPort(t, got["web"])); n != 1 {
		t.Errorf("first visit = %d, want 1", n)
	}
}

func itgContainerName(st *stack.Stack, svc *stack.Service) string {
	return st.ContainerName(svc, 1)
}

// TestUpIntegrationDependencyFails: a dependency that exits, crash-loops or
// is found unhealthy by the engine's own check fails Up at once (not at the
// wait timeout), with its log tail and health outputs, and the service
// waiting on it never starts.
func TestUpIntegrationDependencyFails(t *testing.T) {
	itgParallel(t)
	never := &stack.Healthcheck{Test: []string{"CMD-SHELL", "exit 1"}, Interval: time.Minute, Timeout: 5 * time.Second, Retries: 3}
	for _, tc := range []struct {
		name string
		dep  stack.Service
		// logged is a line of dep's log the error shows.
		logged string
		// state says what is wrong with dep's container as the engine
		// has it after Up failed, if anything.
		state func(engine.Container) string
		// reason is ServiceFailedError's, when the test pins it; health
		// is an output of the engine's own check the error shows.
		reason, health string
	}{
		{
			name: "exits",
			dep:  killService("dep", stack.RestartPolicy{Name: "no"}, "sh", "-c", `echo "dep: cannot start"; exit 3`),
			// The exit, though the engine also marks a stopped container
			// unhealthy.
			logged: "dep: cannot start", reason: "exited with code 3",
			state: func(c engine.Container) string {
				if c.Status != "exited" || c.ExitCode != 3 {
					return "want it exited with code 3"
				}
				return ""
			},
		},
		{
			name:   "crash-loops",
			dep:    killService("dep", stack.RestartPolicy{Name: "always"}, "sh", "-c", `echo "dep: crashing"; exit 1`),
			logged: "dep: crashing",
			state: func(c engine.Container) string {
				if c.RestartCount == 0 {
					return "want it restarted by its policy"
				}
				return ""
			},
		},
		{
			name: "turns unhealthy",
			dep:  killService("dep", stack.RestartPolicy{Name: "no"}, "sh", "-c", `echo "dep: serving"; exec redis-server`),
			// A check stackctl's own probe fails too; only the engine's
			// verdict can end the wait early.
			logged: "dep: serving", reason: "is unhealthy", health: "dep: not ready",
			state: func(c engine.Container) string {
				if !c.Running() || c.Health != "unhealthy" {
					return "want it running, unhealthy"
				}
				return ""
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newItgEnv(t)
			ctx := enginetest.Context(t, 3*time.Minute)
			dep := tc.dep
			dep.Healthcheck = never
			if tc.health != "" {
				dep.Healthcheck = &stack.Healthcheck{
					Test:     []string{"CMD-SHELL", "echo '" + tc.health + "'; exit 1"},
					Interval: time.Second, Timeout: 5 * time.Second, Retries: 2,
				}
			}
			app := killService("app", stack.RestartPolicy{Name: "no"}, "redis-server")
			app.DependsOn = []stack.Dependency{{Service: "dep", Condition: stack.ServiceHealthy, Required: true}}
			st := &stack.Stack{Project: e.project, Services: []stack.Service{dep, app}}
			e.cleanupProject(st)
			depName := st.ContainerName(&st.Services[0], 1)

			const waitTimeout = time.Minute
			_, err := e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: waitTimeout})
			var failed *backend.ServiceFailedError
			if !errors.As(err, &failed) {
				t.Fatalf("up with a dependency that %s: error %v, want *backend.ServiceFailedError", tc.name, err)
			}
			t.Logf("up said: %v", err)
			if failed.Service != "dep" || failed.Container != depName {
				t.Errorf("the error names service %q container %q, want dep's %s", failed.Service, failed.Container, depName)
			}
			if strings.HasPrefix(failed.Reason, "did not become ready") {
				t.Errorf("reason %q: up waited out its %s timeout instead of failing at once", failed.Reason, waitTimeout)
			}
			if tc.reason != "" && failed.Reason != tc.reason {
				t.Errorf("reason %q, want %q", failed.Reason, tc.reason)
			}
			// The engine may still be on its way (a policy's restart).
			enginetest.Eventually(t, 30*time.Second, "dep's container as the test made it fail", func() error {
				if c := e.inspect(ctx, depName); tc.state(c) != "" {
					return fmt.Errorf("dep is %s, exit %d, restart count %d, health %q: %s", c.Status, c.ExitCode, c.RestartCount, c.Health, tc.state(c))
				}
				return nil
			})
			if !strings.Contains(failed.LogTail, tc.logged) {
				t.Errorf("log tail %q does not show dep's line %q", failed.LogTail, tc.logged)
			}
			if tc.health != "" && !slices.ContainsFunc(failed.Health, func(h engine.HealthResult) bool {
				return h.ExitCode == 1 && strings.Contains(h.Output, tc.health)
			}) {
				t.Errorf("health outputs %+v do not show the engine's failing check %q", failed.Health, tc.health)
			}
			if strings.Contains(err.Error(), "dependency failed") {
				t.Errorf("error repeats the dependent's failure; want dep's alone:\n%v", err)
			}
			ps, err := e.orch.PS(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range ps {
				if c.Service == "app" && (c.State != "created" || !c.StartedAt.IsZero()) {
					t.Errorf("app is %s (started %s) though dep failed", c.State, c.StartedAt)
				}
			}
		})
	}
}
