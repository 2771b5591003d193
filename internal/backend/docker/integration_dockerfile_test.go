package docker_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// dockerfilesFile is two services built from one context, each from its
// own Dockerfile; DOCKERFILE_A is the one of service a.
const dockerfilesFile = `
services:
  a:
    build:
      context: ./ctx
      dockerfile: DOCKERFILE_A
    command: ["sleep", "3600"]
    init: true
  b:
    build:
      context: ./ctx
      dockerfile: two.Dockerfile
    command: ["sleep", "3600"]
    init: true
`

// Two services sharing a build context each run the image of their own
// Dockerfile, and switching a service's dockerfile to another file of the
// same context rebuilds its image on a plain up, which then runs.
func TestUpBuildsEachServiceFromItsOwnDockerfileAndRebuildsOnASwitch(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 5*time.Minute)
	st, file := e.composeStack(ctx, strings.Replace(dockerfilesFile, "DOCKERFILE_A", "one.Dockerfile", 1))
	dir := filepath.Join(filepath.Dir(file), "ctx")
	writeIn(t, dir, "one.Dockerfile", "FROM busybox:latest\nRUN echo one > /which\n")
	writeIn(t, dir, "two.Dockerfile", "FROM busybox:latest\nRUN echo two > /which\n")
	which := func(service string) string {
		t.Helper()
		got, ok := e.readIn(ctx, e.project+"-"+service+"-1", "/which")
		if !ok {
			t.Fatalf("no /which in %s's container", service)
		}
		return strings.TrimSpace(got)
	}

	e.up(ctx, st, backend.UpOptions{})
	if got := which("a"); got != "one" {
		t.Errorf("a, built from one.Dockerfile, runs an image of %q", got)
	}
	if got := which("b"); got != "two" {
		t.Errorf("b, built from two.Dockerfile, runs an image of %q", got)
	}
	before := e.inspect(ctx, e.project+"-a-1")

	if err := os.WriteFile(file, []byte(strings.Replace(dockerfilesFile, "DOCKERFILE_A", "two.Dockerfile", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.up(ctx, e.loadPath(ctx, file, nil), backend.UpOptions{})
	after := e.inspect(ctx, e.project+"-a-1")
	if after.ImageID == before.ImageID {
		t.Errorf("a's dockerfile switched to two.Dockerfile, and up kept its image %s", before.ImageID)
	}
	if got := which("a"); got != "two" {
		t.Errorf("a, switched to two.Dockerfile, runs an image of %q", got)
	}
}
