package docker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
)

// watchReplicasFile is a web server of three replicas with no edge, which
// its client reaches by the service's name, as the engine's DNS answers
// it: each request goes to the replica the engine's DNS names first, and a
// failure is tallied.
const watchReplicasFile = `
services:
  web:
    build: .
    init: true
    stop_grace_period: 2s
    deploy:
      replicas: 3
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 1s
      timeout: 2s
      retries: 3
    develop:
      watch:
        - path: ./www
          action: rebuild
  client:
    image: busybox:latest
    init: true
    # The engine's DNS, asked each time (it shuffles the replicas), through
    # nslookup: the stand-in's static wget cannot resolve names itself.
    command:
      - sh
      - -c
      - |
        while true; do
          ip=$$(nslookup web 127.0.0.11 2>/dev/null | awk '/^Address: /{print $$2}' | head -n 1)
          if [ -n "$$ip" ] && wget -q -O /dev/null "http://$$ip:8080/"; then echo ok >> /tally; else echo "FAIL $$ip" >> /tally; fi
          sleep 0.02
        done
`

// A rebuild of a service of several replicas with no edge replaces them
// one at a time, start-first: a new replica starts, and is healthy, before
// an old one stops, so the service never runs fewer replicas than it
// wants, and its client, which reaches it by name, is answered throughout.
// The engine's DNS can still name a replica in the instant it stops (a
// client that asked just before finds it gone): those failures are
// measured, not judged; behind its edge, none fails (see
// TestWatchRebuildBehindTheEdgeDropsNoRequestAndAFailedBuildKeepsServing).
func TestWatchRebuildOfReplicasWithoutAnEdgeReplacesThemOneAtATimeStartFirst(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st, dir, _ := e.upBuiltWeb(ctx, watchReplicasFile)
	client := e.project + "-client-1"
	tally := func() (ok, failed int) {
		got, _ := e.readIn(ctx, client, "/tally")
		return strings.Count(got, "ok\n"), strings.Count(got, "FAIL")
	}
	eventually(t, "the client answered", func() bool { ok, _ := tally(); return ok > 0 })
	var before []string
	for n := 1; n <= 3; n++ {
		before = append(before, e.inspect(ctx, e.project+"-web-"+string(rune('0'+n))).ID)
	}
	e.watching(ctx, st, "web")
	okBefore, _ := tally()

	from := len(e.events.Events())
	moveIn(t, dir, "www/index.html", "v2")
	change := e.awaitChange(t, "web", 1)
	if change.Outcome != progress.Serving {
		t.Fatalf("the rebuild's change is %+v, want serving", change)
	}
	time.Sleep(time.Second)
	ok, failed := tally()
	t.Logf("the rebuild of 3 replicas took %dms; the client's requests meanwhile: %d answered, %d failed", change.DurationMS, ok-okBefore, failed)
	if ok <= okBefore {
		t.Errorf("the client's requests were not answered during the rebuild (%d answered before, %d after)", okBefore, ok)
	}
	// Running replicas, from the events since the change began: each new
	// one started adds one, each old one stopping takes one away.
	running, least, started := 3, 3, 0
	var seen []string
	for _, ev := range e.events.Events()[from:] {
		name, ok := strings.CutPrefix(ev.Resource, "container "+e.project+"-web-")
		if !ok {
			continue
		}
		seen = append(seen, name+" "+ev.Status)
		switch {
		case ev.Status == "started":
			running++
			started++
		case ev.Status == "stopping" && len(name) > 1:
			running--
			least = min(least, running)
		}
	}
	if started != 3 || least < 3 {
		t.Errorf("the rebuild started %d new replicas and left as few as %d running, want 3 started, never fewer than 3 running:\n%s", started, least, strings.Join(seen, "\n"))
	}
	for n := 1; n <= 3; n++ {
		name := e.project + "-web-" + string(rune('0'+n))
		if got, _ := e.readIn(ctx, name, "/www/index.html"); got != "v2" {
			t.Errorf("%s serves %q, want v2", name, got)
		}
		if id := e.inspect(ctx, name).ID; id == before[n-1] {
			t.Errorf("%s was not replaced", name)
		}
	}
}
