// Package enginetest helps integration tests use the real Docker engine:
// the opt-in (integration tests run only with STACKCTL_INTEGRATION=1, and
// then fail, never skip, without an engine), unique project names, and
// containers that clean up after themselves.
package enginetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// RequiredEnv, set to 1 by `make test`, opts in to the integration tests.
// Without it they skip, even when an engine answers: a plain
// `go test ./...` does not build images and start stacks on whatever engine
// it finds. With it, an unreachable engine fails them.
const RequiredEnv = "STACKCTL_INTEGRATION"

// Require skips the test unless integration tests were opted in to with
// RequiredEnv=1. Connect calls it; a test that reaches the engine some other
// way (the stackctl binary, the raw SDK) calls it first.
func Require(t testing.TB) {
	t.Helper()
	if os.Getenv(RequiredEnv) != "1" {
		t.Skipf("integration test against the Docker engine: runs only with %s=1 (as `make test` sets it)", RequiredEnv)
	}
}

// Connect returns a client of the engine for an integration test: it skips
// the test unless integration tests were opted in to (Require), and then
// fails it, never skips it, when no engine answers.
func Connect(t testing.TB) *engine.Client {
	t.Helper()
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cli, err := engine.New(ctx)
	if err != nil {
		t.Fatalf("integration tests need a Docker engine (`make engine` starts one): %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// ProjectName is a project name unique to this test run, so tests never
// collide with each other, with a user's stack, or with an earlier run.
func ProjectName(t testing.TB) string {
	t.Helper()
	name := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 24 {
		name = name[:24]
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	return "t-" + name + "-" + hex.EncodeToString(suffix)
}

// Context is a context for one test, bounded so a hung engine call fails
// the test instead of the whole run.
func Context(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// Network creates a bridge network labelled with project and removes it
// when the test ends.
func Network(t testing.TB, cli *engine.Client, project, name string) string {
	t.Helper()
	ctx := context.Background()
	if err := cli.NetworkCreate(ctx, name, "bridge", map[string]string{stack.LabelProject: project}); err != nil {
		t.Fatalf("create network %s: %v", name, err)
	}
	t.Cleanup(func() { _ = cli.NetworkRemove(context.Background(), name) })
	return name
}

// Run creates and starts a container labelled with project and removes it
// when the test ends.
func Run(t testing.TB, cli *engine.Client, project string, spec engine.ContainerSpec) string {
	t.Helper()
	id := Create(t, cli, project, spec)
	if err := cli.ContainerStart(context.Background(), id); err != nil {
		t.Fatalf("start %s: %v", spec.Name, err)
	}
	return id
}

// Create creates (without starting) a container labelled with project and
// removes it when the test ends.
func Create(t testing.TB, cli *engine.Client, project string, spec engine.ContainerSpec) string {
	t.Helper()
	if spec.Labels == nil {
		spec.Labels = map[string]string{}
	}
	spec.Labels[stack.LabelProject] = project
	id, err := cli.ContainerCreate(context.Background(), spec)
	if err != nil {
		t.Fatalf("create %s: %v", spec.Name, err)
	}
	t.Cleanup(func() { _ = cli.ContainerRemove(context.Background(), id) })
	return id
}

// Eventually calls check until it returns nil or timeout passes, and then
// fails the test with check's last error.
func Eventually(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
