package engine_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// On the engine: the death a stop tells of is the process's, gone by then
// (its host PID is checked when the engine is local), and the stop itself
// ends with the container stopped.
func TestContainerStoppingIntegrationTellsOfTheDeathOnceTheProcessIsGone(t *testing.T) {
	cli := enginetest.Connect(t)
	project := enginetest.ProjectName(t)
	ctx := enginetest.Context(t, 2*time.Minute)
	id := enginetest.Run(t, cli, project, engine.ContainerSpec{Name: project + "-redis", Image: "redis:7"})
	// Stopped while its entrypoint script is still PID 1, redis would
	// ignore the stop signal: stop the server itself.
	enginetest.Eventually(t, time.Minute, "redis answers", func() error {
		res, err := cli.Exec(ctx, id, []string{"redis-cli", "ping"})
		if err == nil && (res.ExitCode != 0 || !strings.Contains(res.Output, "PONG")) {
			err = fmt.Errorf("redis-cli ping: exit %d: %s", res.ExitCode, res.Output)
		}
		return err
	})
	running, err := cli.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !running.Running() || running.Pid == 0 {
		t.Fatalf("redis is %s, want running", running.Status)
	}

	died, stopped := cli.ContainerStopping(ctx, id, 10*time.Second)
	select {
	case <-died:
	case <-ctx.Done():
		t.Fatal("the stop never told of the container's death")
	}
	if cli.IsLocal() {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", running.Pid)); err == nil {
			t.Errorf("redis's process %d still runs when its death was told", running.Pid)
		}
	}
	if err := stopped(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	after, err := cli.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Running() {
		t.Errorf("redis is %s after its stop returned, want exited", after.Status)
	}
}
