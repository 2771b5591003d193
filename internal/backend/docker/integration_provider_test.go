package docker_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// A provider service runs its executable (here a script on the project's
// PATH) as Compose runs it, and the container of the service that depends
// on it is made with the variables it answered, as is a one-off of that
// service (run); down runs it again.
func TestProviderServiceGivesItsDependentsItsVariables(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, calls := e.providerProject(ctx, `echo "$@" >> "$CALLS"
[ "$2" = metadata ] && exit 1
[ "$3" = up ] || exit 0
echo '{"type":"info","message":"making the database"}'
echo '{"type":"setenv","message":"URL=postgres://db.example:5432/'"${4#--name=}"'"}'
echo '{"type":"setenv","message":"TOKEN='"$CLOUD_TOKEN"'"}'
`, "{tier: [small], name: [orders]}", map[string]string{"CLOUD_TOKEN": "t-" + e.project})
	e.cleanupProject(st)

	// run of a service that depends on it runs it first too.
	var out bytes.Buffer
	res, err := e.orch.Run(ctx, st, backend.RunOptions{Service: "app", Remove: true,
		Cmd: []string{"sh", "-c", "echo $DATABASE_URL"}, Stdio: engine.Stdio{Out: &out}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("run = %+v, %v; output %s", res, err, out.String())
	}
	if got := strings.TrimSpace(out.String()); got != "postgres://db.example:5432/orders" {
		t.Errorf("run's DATABASE_URL %q, want the provider's", got)
	}

	e.up(ctx, st, backend.UpOptions{})

	raw, err := e.api.ContainerInspect(ctx, e.project+"-app-1")
	if err != nil {
		t.Fatal(err)
	}
	env := raw.Config.Env
	for _, want := range []string{"DATABASE_URL=postgres://db.example:5432/orders", "DATABASE_TOKEN=t-" + e.project} {
		if !slices.Contains(env, want) {
			t.Errorf("app's environment %q lacks %s", env, want)
		}
	}
	var lines []string
	for _, ev := range e.events.Events() {
		if ev.Resource == "service database" {
			lines = append(lines, ev.Status+" "+ev.Detail)
		}
	}
	if len(lines) != 6 || lines[3] != "creating provider cloud" || lines[4] != "working making the database" || !strings.HasPrefix(lines[5], "created ") {
		t.Errorf("the provider's progress %q, want creating, working and created for run, then for up", lines)
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	up := fmt.Sprintf("compose metadata\ncompose --project-name=%s up --name=orders --tier=small database\n", e.project)
	want := up + up + fmt.Sprintf("compose metadata\ncompose --project-name=%[1]s down --name=orders --tier=small database\n", e.project)
	if string(got) != want {
		t.Errorf("the provider ran as\n%s\nwant\n%s", got, want)
	}
	if c := e.projectContainers(ctx); len(c) != 0 {
		t.Errorf("down left %q", c)
	}
}

// A provider that declares its verbs' parameters (compose metadata) is
// passed only those, and is run with stop, which it declares, by stop.
func TestProviderServiceFollowsItsMetadata(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st, calls := e.providerProject(ctx, `[ "$2" = metadata ] && { echo '{"description":"a database","up":{"parameters":[{"name":"name","required":true},{"name":"tier"}]},`+
		`"down":{"parameters":[{"name":"name"}]},"stop":{"parameters":[{"name":"name"}]}}'; exit 0; }
echo "$@" >> "$CALLS"
[ "$3" = up ] && echo '{"type":"setenv","message":"NAME='"${4#--name=}"'"}'
exit 0
`, "{tier: [small], name: [orders], region: [far]}", nil)
	e.cleanupProject(st)
	e.up(ctx, st, backend.UpOptions{})
	if err := e.orch.Stop(ctx, st, nil, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("compose --project-name=%[1]s up --name=orders --tier=small database\n"+
		"compose --project-name=%[1]s stop --name=orders database\ncompose --project-name=%[1]s down --name=orders database\n", e.project)
	if string(got) != want {
		t.Errorf("the provider ran as\n%s\nwant\n%s", got, want)
	}
}

// providerProject is a project of a provider service, database, of the
// provider cloud (a shell script of body on the project's PATH, which
// finds in $CALLS the file to append its calls to, returned), with
// options, and a service app that depends on it; env is set on top.
func (e *itgEnv) providerProject(ctx context.Context, body, options string, env map[string]string) (*stack.Stack, string) {
	e.t.Helper()
	dir := e.t.TempDir()
	calls := filepath.Join(dir, "calls")
	if err := os.WriteFile(filepath.Join(dir, "cloud"), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		e.t.Fatal(err)
	}
	writeIn(e.t, dir, "compose.yaml", `
services:
  database:
    provider:
      type: cloud
      options: `+options+`
  app:
    image: busybox:latest
    command: ["sleep", "infinity"]
    stop_signal: SIGKILL
    depends_on: [database]
`)
	all := map[string]string{"PATH": dir + ":" + os.Getenv("PATH"), "CALLS": calls}
	maps.Copy(all, env)
	return e.loadPath(ctx, filepath.Join(dir, "compose.yaml"), all), calls
}
