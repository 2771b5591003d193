package docker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/versions"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

const lockCompose = `services:
  kv:
    image: redis:7
    networks: [back]
networks:
  back: {}
`

// Runs that start together on one project take turns: every up succeeds,
// and the engine ends with one stack and one network, not the duplicates
// an engine before API 1.44 lets two runs create.
func TestConcurrentRunsOfOneProjectTakeTurns(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st := e.loadFile(ctx, lockCompose)
	file := st.Files[0]
	e.cleanupProject(st)
	bin := stacktest.StaticStackctl(t)
	run := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, append([]string{"-f", file, "-p", e.project, "--progress", "plain"}, args...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}

	const rounds, runs = 10, 4
	for round := range rounds {
		var wg sync.WaitGroup
		errs := make([]error, runs)
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if out, err := run("up"); err != nil {
					errs[i] = fmt.Errorf("up #%d: %v\n%s", i, err, out)
				}
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		nets, err := e.api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", e.project+"_back"))})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+e.project))})
		if err != nil {
			t.Fatal(err)
		}
		if len(nets) != 1 || len(cs) != 1 || cs[0].State != "running" {
			t.Fatalf("round %d: %d networks and %d containers (%v), want one of each, running", round, len(nets), len(cs), cs)
		}
		// An up and a down at once leave either state, whole.
		var upOut, downOut string
		var upErr, downErr error
		wg.Add(2)
		go func() { defer wg.Done(); upOut, upErr = run("up") }()
		go func() { defer wg.Done(); downOut, downErr = run("down") }()
		wg.Wait()
		if upErr != nil || downErr != nil {
			t.Fatalf("round %d: up %v\n%s\ndown %v\n%s", round, upErr, upOut, downErr, downOut)
		}
		// Volumes stay after down (redis's /data is the project's now).
		left := slices.DeleteFunc(e.leftovers(ctx, e.project), func(r string) bool { return strings.HasPrefix(r, "volume ") })
		if len(left) != 0 && len(left) != 2 {
			t.Fatalf("round %d: after up and down at once: %v; want nothing, or the container and its network", round, left)
		}
		if out, err := run("down"); err != nil {
			t.Fatalf("round %d: down: %v\n%s", round, err, out)
		}
	}
	if _, err := e.cli.VolumeInspect(ctx, "stackctl-lock."+e.project); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("the project's lock is still held after every run ended: %v", err)
	}
}

// A lock is refused at once with --lock-wait 0 while it is held, names its
// holder, and is taken over when its holder on this machine is gone.
func TestLockRefusesWhileHeldAndIsTakenOverFromTheDead(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	unlock, err := e.orch.Lock(ctx, e.project, 0)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	t.Cleanup(unlock)
	_, err = e.orch.Lock(ctx, e.project, 0)
	var locked *backend.LockedError
	if !errors.As(err, &locked) || !strings.Contains(locked.Owner, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("second Lock = %v, want a LockedError naming this process", err)
	}
	unlock()

	// A holder that died: a process that has exited.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	lock, claim := "stackctl-lock."+e.project, "stackctl-lock."+e.project+".crashed"
	t.Cleanup(func() {
		for _, name := range []string{lock, claim} {
			_ = e.cli.VolumeRemove(context.Background(), name)
		}
	})
	if err := e.cli.VolumeCreate(ctx, lock, lockVolumeLabels(e.project, host, dead.Process.Pid, "crashed")); err != nil {
		t.Fatal(err)
	}
	unlock, err = e.orch.Lock(ctx, e.project, 0)
	if err != nil {
		t.Fatalf("Lock over a dead holder: %v", err)
	}
	if v, err := e.cli.VolumeInspect(ctx, lock); err != nil || v.Labels["io.stackctl.lock.token"] == "crashed" {
		t.Errorf("after the takeover the lock is %+v, %v; want this run's", v, err)
	}
	unlock()
	for _, name := range []string{lock, claim} {
		if _, err := e.cli.VolumeInspect(ctx, name); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("volume %s left after the takeover and unlock: %v", name, err)
		}
	}
}

// lockVolumeLabels are the labels of a lock or claim of project held by
// pid on host with token.
func lockVolumeLabels(project, host string, pid int, token string) map[string]string {
	return map[string]string{
		"io.stackctl.lock": project, "io.stackctl.lock.host": host, "io.stackctl.lock.pid": fmt.Sprint(pid),
		"io.stackctl.lock.owner": "run " + token, "io.stackctl.lock.token": token,
	}
}

// A claim on the lock that a run left when it died between removing the
// lock it took over and removing the claim is removed by the next down; a
// live run's claim stays.
func TestDownIntegrationRemovesTheClaimADeadRunLeft(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	st := e.loadFile(ctx, lockCompose)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	left, live := "stackctl-lock."+e.project+".crashed", "stackctl-lock."+e.project+".busy"
	t.Cleanup(func() {
		for _, name := range []string{left, live} {
			_ = e.cli.VolumeRemove(context.Background(), name)
		}
	})
	if err := e.cli.VolumeCreate(ctx, left, lockVolumeLabels(e.project, host, dead.Process.Pid, "taker")); err != nil {
		t.Fatal(err)
	}
	if err := e.cli.VolumeCreate(ctx, live, lockVolumeLabels(e.project, host, os.Getpid(), "busy")); err != nil {
		t.Fatal(err)
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, err := e.cli.VolumeInspect(ctx, left); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("the claim %s a dead run left is still there after down: %v", left, err)
	}
	if v, err := e.cli.VolumeInspect(ctx, live); err != nil || v.Labels["io.stackctl.lock.token"] != "busy" {
		t.Errorf("a live run's claim %s after down: %+v, %v; want it untouched", live, v, err)
	}
}

// Two networks under one of the project's names (what two runs could make
// before the lock) are repaired by the next up: one stays. Engines from API
// 1.44 keep network names unique themselves: there, the test asserts that
// the engine refuses the duplicate.
func TestUpRepairsDuplicateNetworks(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	st := e.loadFile(ctx, lockCompose)
	e.cleanupProject(st)
	name := e.project + "_back"
	labels := map[string]string{stack.LabelProject: e.project, stack.LabelNetwork: "back"}
	// The engine's own duplicate check is best-effort, and two runs at
	// once get past it; a request without it makes the same state.
	body, _ := json.Marshal(map[string]any{"Name": name, "Labels": labels, "CheckDuplicate": false})
	uniqueNames := !versions.LessThan(e.cli.APIVersion(), "1.44")
	for i := range 2 {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://engine/v1.41/networks/create", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.api.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if i == 1 && uniqueNames {
			if resp.StatusCode != http.StatusConflict {
				t.Fatalf("a second network %s on API %s: %s, want 409 Conflict: the engine keeps names unique", name, e.cli.APIVersion(), resp.Status)
			}
			return
		}
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create network %s: %s", name, resp.Status)
		}
	}
	if nets, _ := e.api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))}); len(nets) != 2 {
		t.Fatalf("%d networks named %s, want the two duplicates to repair", len(nets), name)
	}
	e.up(ctx, st, backend.UpOptions{})
	nets, err := e.api.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 1 {
		t.Errorf("%d networks named %s after up, want one", len(nets), name)
	}
}
