package docker_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// TestUpIntegrationRefusesVolumeItDoesNotOwn puts a plain, unlabelled
// volume under the name of the project's data volume: up must refuse it
// with NotOwnedError before creating any container, and down -v must leave
// it as it was.
func TestUpIntegrationRefusesVolumeItDoesNotOwn(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	st := e.defaultStack()
	name := st.VolumeName("postgres_data")
	if err := e.cli.VolumeCreate(ctx, name, nil); err != nil {
		t.Fatalf("create the foreign volume %s: %v", name, err)
	}
	t.Cleanup(func() { _ = e.cli.VolumeRemove(context.Background(), name) })
	e.cleanupProject(st)
	before, err := e.api.VolumeInspect(ctx, name)
	if err != nil {
		t.Fatal(err)
	}

	_, err = e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	var notOwned *backend.NotOwnedError
	if !errors.As(err, &notOwned) || notOwned.Kind != "volume" || notOwned.Name != name {
		t.Fatalf("up with a foreign volume named %s: error %v, want a NotOwnedError for that volume", name, err)
	}
	if ps, err := e.orch.PS(ctx, st); err != nil || len(ps) != 0 {
		t.Errorf("up refused the volume but created containers: %+v, %v", ps, err)
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down -v: %v", err)
	}
	after, err := e.api.VolumeInspect(ctx, name)
	if err != nil || after.CreatedAt != before.CreatedAt || len(after.Labels) != 0 {
		t.Errorf("after up and down -v, the foreign volume is %+v, %v; want it as it was (%+v)", after, err, before)
	}
}

// TestUpIntegrationReplacementThatCannotStartPutsTheOldBack changes web
// (a new environment variable) and moves it to a host port this test
// holds: the new container is made while the old one runs, the old one
// stops, the new one cannot start, and up puts the old one back under its
// name, serving on its port, and fails naming the port.
func TestUpIntegrationReplacementThatCannotStartPutsTheOldBack(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)
	res := e.up(ctx, st, backend.UpOptions{WaitTimeout: 3 * time.Minute})
	old := itgByService(t, res.Containers)["web"]
	before := itgVisit(t, ctx, itgWebPort(t, old))

	held, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldPort := held.Addr().(*net.TCPAddr).Port
	web := itgService(t, st, "web")
	web.Environment = append(web.Environment, stack.EnvVar{Name: "STACKCTL_TEST_CHANGE", Value: "1"})
	web.Ports = []stack.Port{{HostPort: heldPort, ContainerPort: 5000, Protocol: "tcp"}}

	_, err = e.orch.Up(ctx, st, backend.UpOptions{WaitTimeout: time.Minute})
	var inUse *backend.PortInUseError
	if !errors.As(err, &inUse) || !strings.Contains(inUse.Ports, fmt.Sprint(heldPort)) {
		t.Fatalf("up onto a held port: error %v, want a PortInUseError naming port %d", err, heldPort)
	}
	now, err := e.cli.ContainerInspect(ctx, old.Name)
	if err != nil || now.ID != old.ID || !now.Running() {
		t.Fatalf("after the failed replacement %s is %+v, %v; want the old container %s running again", old.Name, now, err, old.ID)
	}
	// Published on port 0, the old container may be given another host
	// port when it starts again.
	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	// It starts again as the engine starts it: the up that failed does not
	// wait for it to serve.
	port := itgWebPort(t, itgByService(t, ps)["web"])
	serving := wait.Until(ctx, 20*time.Millisecond, wait.Func(func(ctx context.Context) (bool, error) {
		status, _, err := itgGet(ctx, port, "/healthz")
		return err == nil && status == http.StatusOK, nil
	}))
	if serving != nil {
		t.Fatalf("the old web never served again on port %d: %v", port, serving)
	}
	if after := itgVisit(t, ctx, port); after != before+1 {
		t.Errorf("the old web counts visit %d after the failed replacement; want %d, its data kept", after, before+1)
	}
	list, err := e.cli.ContainerList(ctx, map[string]string{stack.LabelProject: st.ProjectName(), stack.LabelService: "web"})
	if err != nil || len(list) != 1 {
		t.Errorf("web's containers after the failed replacement: %+v, %v; want only the old one", list, err)
	}
}

// TestCLIIntegrationInterruptedUpExits130AndTheNextUpConverges sends
// SIGINT to the stackctl binary while its up waits for db: it exits 130,
// as a shell reports an interrupted command, and the next up brings the
// whole stack up from where it stopped.
func TestCLIIntegrationInterruptedUpExits130AndTheNextUpConverges(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)
	cli := e.stackCLI()

	// db starts and initialises its new volume for a few seconds: the
	// interrupt lands while up waits for it.
	dbName := st.ContainerName(itgService(t, st, "db"), 1)
	seen, err := cli.signalAt(t, ctx, syscall.SIGINT, []string{dbName, "started"}, "--progress", "plain", "up")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("stackctl up interrupted while db started: %v; want exit status 130\n%s", err, strings.Join(seen, "\n"))
	}

	cli.mustRun(t, ctx, "up", "--wait-timeout", "3m")
	ps, err := e.orch.PS(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	got := itgByService(t, ps)
	for _, name := range []string{"db", "cache", "web"} {
		if c := got[name]; c.State != "running" {
			t.Errorf("after the next up, %s is %+v; want it running", name, c)
		}
	}
	if c := got["migrate"]; c.State != "exited" || c.ExitCode != 0 {
		t.Errorf("after the next up, migrate is %+v; want it completed", c)
	}
	itgVisit(t, ctx, itgWebPort(t, got["web"]))
}

// itgService is the stack's service name, for a test to change.
func itgService(t *testing.T, st *stack.Stack, name string) *stack.Service {
	t.Helper()
	svc, ok := st.Service(name)
	if !ok {
		t.Fatalf("the stack has no service %s", name)
	}
	return svc
}
