package docker

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
)

// The commands a user runs on the stack's containers by hand, against the
// fake engine.

func TestPauseAndUnpauseOnlyTheNamedServicesRunningContainers(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	if err := o.Stop(ctx, st, []string{"web"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := o.Pause(ctx, st, []string{"web", "cache"}); err != nil {
		t.Fatal(err)
	}
	position(t, f.Events(), "pause stackctl-cache-1")
	assertNever(t, f.Events(), "pause stackctl-web-1", "pause stackctl-db-1")
	// Pausing again leaves the paused one be.
	if err := o.Pause(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if n := f.count("pause stackctl-cache-1"); n != 1 {
		t.Errorf("cache paused %d times, want once", n)
	}
	position(t, f.Events(), "pause stackctl-db-1")
	if err := o.Unpause(ctx, st, []string{"cache"}); err != nil {
		t.Fatal(err)
	}
	position(t, f.Events(), "unpause stackctl-cache-1")
	assertNever(t, f.Events(), "unpause stackctl-db-1")
	if err := o.Pause(ctx, st, []string{"nope"}); err == nil {
		t.Error("pause of an unknown service succeeded")
	}
}

func TestTopListsTheRunningContainersProcesses(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	if err := o.Stop(ctx, st, []string{"web"}, 0); err != nil {
		t.Fatal(err)
	}
	procs, err := o.Top(ctx, st, []string{"web", "cache"})
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) != 1 || procs[0].Service != "cache" || procs[0].Container != "stackctl-cache-1" || procs[0].Replica != 1 ||
		len(procs[0].Rows) != 1 || len(procs[0].Titles) != 3 {
		t.Fatalf("top = %+v, want cache's one process only (web is stopped)", procs)
	}
	assertNever(t, f.Events(), "top stackctl-web-1", "top stackctl-db-1")
	all, err := o.Top(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Errorf("top of all = %+v, want each running container", all)
	}
}

func TestPortPrintsThePublishedHostPort(t *testing.T) {
	_, o, st := upStack(t)
	ctx := testContext(t)
	addr, err := o.Port(ctx, st, backend.PortOptions{Service: "web", Port: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(addr, ":5000") {
		t.Errorf("port web 5000 = %q, want HOST:5000", addr)
	}
	_, err = o.Port(ctx, st, backend.PortOptions{Service: "web", Port: 5000, Protocol: "udp"})
	if !errors.Is(err, backend.ErrNoPort) || !strings.Contains(err.Error(), "stackctl-web-1") || !strings.Contains(err.Error(), "5000/tcp") {
		t.Errorf("port web 5000/udp: %v, want ErrNoPort naming the container and what it publishes", err)
	}
	if _, err := o.Port(ctx, st, backend.PortOptions{Service: "web", Index: 3, Port: 5000}); !errors.Is(err, backend.ErrNoSuchReplica) {
		t.Errorf("port --index 3: %v, want ErrNoSuchReplica", err)
	}
	if _, err := o.Port(ctx, st, backend.PortOptions{Service: "nope", Port: 1}); !errors.Is(err, backend.ErrUnknownService) {
		t.Errorf("port of an unknown service: %v, want ErrUnknownService", err)
	}
}

func TestRmRemovesOnlyStoppedReplicasUnlessStop(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	if err := o.Stop(ctx, st, []string{"web"}, 0); err != nil {
		t.Fatal(err)
	}
	var told []string
	removed, err := o.Rm(ctx, st, backend.RmOptions{Services: []string{"web", "cache"}, Volumes: true,
		Confirm: func(names []string) error { told = names; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{"stackctl-web-1"}) || !slices.Equal(told, removed) {
		t.Errorf("removed %q, confirmed %q; want stopped web only", removed, told)
	}
	position(t, f.Events(), "rm stackctl-web-1 -v")
	if !f.exists("stackctl-cache-1") {
		t.Error("rm removed running cache")
	}

	// A refusal removes and stops nothing.
	refused := errors.New("no")
	if _, err := o.Rm(ctx, st, backend.RmOptions{Services: []string{"cache"}, Stop: true,
		Confirm: func([]string) error { return refused }}); !errors.Is(err, refused) {
		t.Errorf("rm refused: %v, want the refusal", err)
	}
	assertNever(t, f.Events(), "stop stackctl-cache-1")

	removed, err = o.Rm(ctx, st, backend.RmOptions{Services: []string{"cache"}, Stop: true})
	if err != nil || !slices.Equal(removed, []string{"stackctl-cache-1"}) {
		t.Fatalf("rm -s cache = %q, %v; want cache removed", removed, err)
	}
	if position(t, f.Events(), "stop stackctl-cache-1") > position(t, f.Events(), "rm stackctl-cache-1") {
		t.Error("rm -s removed cache before stopping it")
	}
	removed, err = o.Rm(ctx, st, backend.RmOptions{Services: []string{"cache"}})
	if err != nil || len(removed) != 0 {
		t.Errorf("rm with nothing stopped = %q, %v; want nothing", removed, err)
	}
}

func TestWaitReturnsTheExitsInTheOrderTheyStop(t *testing.T) {
	f, o, st := upStack(t)
	ctx := testContext(t)
	if err := o.Stop(ctx, st, []string{"web"}, 0); err != nil {
		t.Fatal(err)
	}
	var told []backend.Exit
	go func() {
		// cache stops once the wait is under way.
		for !f.has("wait stackctl-cache-1") {
			time.Sleep(time.Millisecond)
		}
		f.exit("stackctl-cache-1", 3)
	}()
	exits, err := o.Wait(ctx, st, backend.WaitOptions{
		Services: []string{"cache", "web"}, Exited: func(e backend.Exit) { told = append(told, e) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(exits) != 2 || exits[0].Container != "stackctl-web-1" || exits[1] != (backend.Exit{Service: "cache", Container: "stackctl-cache-1", ExitCode: 3}) ||
		!slices.Equal(told, exits) {
		t.Errorf("exits %+v, told %+v; want stopped web first, then cache with 3", exits, told)
	}
	if _, err := o.Wait(ctx, st, backend.WaitOptions{Services: []string{"nope"}}); !errors.Is(err, backend.ErrUnknownService) {
		t.Errorf("wait for an unknown service: %v", err)
	}
}
