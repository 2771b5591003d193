package enginetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

func TestDindEngineAnswersOverTCP(t *testing.T) {
	host := enginetest.Connect(t)
	e := enginetest.Dind(t)
	ctx := enginetest.Context(t, time.Minute)

	if want := fmt.Sprintf("tcp://%s:%d", e.IP, enginetest.DindPort); e.Host != want || e.Client.Host() != want {
		t.Errorf("Host %q, client at %q; want %q", e.Host, e.Client.Host(), want)
	}
	if v := e.Client.APIVersion(); !versions.GreaterThanOrEqualTo(v, "1.41") {
		t.Errorf("the inner engine speaks API %s, want 1.41 or later", v)
	}
	// A separate engine: none of the host's containers, not even its own.
	list, err := e.Client.ContainerList(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("the inner engine lists %d containers, want none: %+v", len(list), list)
	}

	c, err := host.ContainerInspect(ctx, e.ContainerID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != e.Name || c.Labels[enginetest.DindLabel] != "dind" {
		t.Errorf("the host's container is %q labelled %v; want %q labelled %s=dind", c.Name, c.Labels, e.Name, enginetest.DindLabel)
	}
	if p, ok := c.Labels[stack.LabelProject]; ok {
		t.Errorf("the container carries the project label (%q), so stackctl would take it for part of a stack", p)
	}
}

// TestDindRunsImagesLoadedFromTheHost checks the inner engine end to end: an
// image loaded from the host runs there, and exec into its container works
// (which needs CAP_SYS_PTRACE for setns). Afterwards nothing of the inner
// engine is left on the host.
func TestDindRunsImagesLoadedFromTheHost(t *testing.T) {
	host := enginetest.Connect(t)
	var left leftovers
	t.Run("redis", func(t *testing.T) {
		e := enginetest.Dind(t)
		left = recordLeftovers(t, e)
		ctx := enginetest.Context(t, 5*time.Minute)

		start := time.Now()
		if err := e.LoadImages(ctx, "redis:7"); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded redis:7 into the inner engine in %s", time.Since(start).Round(time.Millisecond))

		id, err := e.Client.ContainerCreate(ctx, engine.ContainerSpec{Name: "cache", Image: "redis:7"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Client.ContainerStart(ctx, id); err != nil {
			t.Fatal(err)
		}
		enginetest.Eventually(t, time.Minute, "redis in the inner engine answers PING", func() error {
			res, err := e.Client.Exec(ctx, id, []string{"redis-cli", "ping"})
			if err != nil {
				return err
			}
			if strings.TrimSpace(res.Output) != "PONG" {
				return fmt.Errorf("redis-cli ping: exit %d: %q", res.ExitCode, res.Output)
			}
			return nil
		})
		left.requireCgroups(t)
	})
	left.requireNone(t, host)
}

// TestDindCleanupAfterTheEngineIsKilled checks that the cleanup also removes
// what a killed inner engine had no chance to: its containers' cgroups.
func TestDindCleanupAfterTheEngineIsKilled(t *testing.T) {
	host := enginetest.Connect(t)
	var left leftovers
	t.Run("kill", func(t *testing.T) {
		e := enginetest.Dind(t)
		left = recordLeftovers(t, e)
		ctx := enginetest.Context(t, 2*time.Minute)
		runSleeper(ctx, t, host, e)
		left.requireCgroups(t)
		if err := host.ContainerKill(ctx, e.ContainerID, "KILL"); err != nil {
			t.Fatal(err)
		}
		enginetest.Eventually(t, time.Minute, "the killed container stops", func() error {
			c, err := host.ContainerInspect(ctx, e.ContainerID)
			if err == nil && c.Running() {
				err = fmt.Errorf("still %s", c.Status)
			}
			return err
		})
	})
	left.requireNone(t, host)
}

// runSleeper runs a container that sleeps in the inner engine, from an image
// of /bin/sleep and its libraries that the inner engine imports from its own
// filesystem, so the test needs no image from the host. sleep, as PID 1,
// ignores SIGTERM, so it stops on SIGKILL at once.
func runSleeper(ctx context.Context, t *testing.T, host *engine.Client, e *enginetest.InnerEngine) {
	t.Helper()
	script := `set -eu
files=$(ldd /bin/sleep | grep -o '/[^ ]*' | sed 's|^/||')
tar -C / -ch bin/sleep $files | docker import - stackctl-test/sleep:1 >/dev/null
docker run -d --name sleeper --stop-signal=KILL stackctl-test/sleep:1 /bin/sleep infinity >/dev/null
`
	res, err := host.Exec(ctx, e.ContainerID, []string{"sh", "-c", script})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("run a sleeping container in the inner engine: exit %d: %s", res.ExitCode, res.Output)
	}
}

// leftovers is what an inner engine has on the host engine and the host.
type leftovers struct {
	name, container string
	volumes         []string
}

func recordLeftovers(t *testing.T, e *enginetest.InnerEngine) leftovers {
	t.Helper()
	if len(e.Volumes) == 0 {
		t.Fatalf("container %s has no anonymous volume for /var/lib/docker", e.Name)
	}
	return leftovers{name: e.Name, container: e.ContainerID, volumes: e.Volumes}
}

// requireCgroups fails the test unless the inner engine's containers have
// cgroup directories on the host, so that their absence later means
// something.
func (l leftovers) requireCgroups(t *testing.T) {
	t.Helper()
	dirs, err := enginetest.CgroupDirs(l.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("no cgroup directory under /%s while the inner engine runs a container", l.name)
	}
}

func (l leftovers) requireNone(t *testing.T, host *engine.Client) {
	t.Helper()
	ctx := context.Background()
	if l.name == "" {
		t.Fatal("the subtest started no inner engine")
	}
	if _, err := host.ContainerInspect(ctx, l.container); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("container %s is still on the host engine (inspect: %v)", l.name, err)
	}
	for _, v := range l.volumes {
		if _, err := host.VolumeInspect(ctx, v); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("volume %s is still on the host engine (inspect: %v)", v, err)
		}
	}
	dirs, err := enginetest.CgroupDirs(l.name)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 0 {
		t.Errorf("cgroup directories of the inner engine are left: %s", strings.Join(dirs, " "))
	}
}
