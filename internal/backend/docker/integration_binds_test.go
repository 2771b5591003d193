package docker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// A short-syntax bind whose host directory is missing gets it made by the
// engine, as under Compose, and the container runs with it mounted; a
// long-syntax bind with create_host_path: false and a missing source fails
// the up, naming the service, the path and the key.
func TestMissingBindSourceIsMadeUnlessCreateHostPathIsFalse(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, file := e.composeStack(ctx, `services:
  a:
    image: busybox:latest
    command: ["sleep", "300"]
    volumes:
      - ./nothere/sub:/data
`)
	dir := filepath.Dir(file)
	e.up(ctx, st, backend.UpOptions{})
	source := filepath.Join(dir, "nothere", "sub")
	if fi, err := os.Stat(source); err != nil || !fi.IsDir() {
		t.Fatalf("host path %s after up: %v, want a directory", source, err)
	}
	a := e.inspect(ctx, e.project+"-a-1")
	if !a.Running() {
		t.Fatalf("container %s is not running", a.Name)
	}
	raw, err := e.api.ContainerInspect(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := source + ":/data:rw"; !slices.Contains(raw.HostConfig.Binds, want) {
		t.Errorf("Binds = %q, want %q among them", raw.HostConfig.Binds, want)
	}
	e.exec(ctx, a.ID, "sh", "-c", "echo written > /data/probe")
	if got, err := os.ReadFile(filepath.Join(source, "probe")); err != nil || strings.TrimSpace(string(got)) != "written" {
		t.Errorf("the container's /data/probe on the host: %q, %v; want written", got, err)
	}

	// create_host_path: false: the missing path is an error, and stays missing.
	gone, err := e.upOneBind(ctx, "gone", "{create_host_path: false}")
	if err == nil {
		t.Fatal("up with a missing create_host_path: false bind source succeeded")
	}
	for _, want := range []string{"service a", gone, "bind.create_host_path is false"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("host path %s after the failed up: %v, want it still missing", gone, err)
	}

	// A bind with a propagation goes through the mount API, whose
	// CreateMountpoint engines before API 1.42 do not know: there the
	// missing path is refused, saying so; from 1.42 it is made.
	server, err := e.api.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := e.upOneBind(ctx, "shared", "{propagation: rprivate}")
	if versions.LessThan(server.APIVersion, "1.42") {
		if err == nil || !strings.Contains(err.Error(), shared) || !strings.Contains(err.Error(), "only from API 1.42") {
			t.Errorf("up of a propagated bind with a missing path on API %s: %v; want it refused, naming the path and API 1.42", server.APIVersion, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("up of a propagated bind with a missing path on API %s: %v", server.APIVersion, err)
	}
	if fi, err := os.Stat(shared); err != nil || !fi.IsDir() {
		t.Errorf("host path %s after up: %v, want a directory", shared, err)
	}
}

// upOneBind ups, as a project of its own beside e's, a service a whose one
// volume is a long-syntax bind of ./name at /name with bind options opts;
// it returns that host path and the up's error.
func (e *itgEnv) upOneBind(ctx context.Context, name, opts string) (string, error) {
	e.t.Helper()
	side := *e
	side.project = e.project + "-" + name
	st, file := side.composeStack(ctx, fmt.Sprintf(`services:
  a:
    image: busybox:latest
    command: ["sleep", "300"]
    volumes:
      - {type: bind, source: ./%[1]s, target: /%[1]s, bind: %[2]s}
`, name, opts))
	_, err := side.orch.Up(ctx, st, backend.UpOptions{})
	return filepath.Join(filepath.Dir(file), name), err
}
