package docker_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// The built-in stack's database password is a secret: the services read it
// from a file the engine's API wrote, and it is in no container's inspect
// output, no image's or volume's labels, no rendering of the stack, no log
// and no progress event.
func TestThePasswordIsInNoOutput(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	itgWarmAppBuild(t, e.cli, e.api)
	password := "pw-" + e.project
	st := stacktest.Builtin(t, stacktest.Options{Project: e.project, AppDir: itgAppDir(t), Password: password})
	e.cleanupProject(st)
	res := e.up(ctx, st, backend.UpOptions{})

	// It works: web reached PostgreSQL with it, and reads it from the file.
	web := itgByService(t, res.Containers)["web"]
	itgVisit(t, ctx, itgWebPort(t, web))
	if got := e.exec(ctx, e.project+"-db-1", "cat", "/run/secrets/postgres_password"); got != password {
		t.Fatalf("db's secret file holds %q, want the password", got)
	}

	var seen bytes.Buffer
	add := func(what string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		seen.WriteString(what + ": ")
		seen.Write(b)
		seen.WriteByte('\n')
	}
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+e.project))})
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]bool{}
	for _, c := range cs {
		raw, err := e.api.ContainerInspect(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		add("inspect "+c.Names[0], raw)
		images[raw.Image] = true
		var logs strings.Builder
		if err := e.cli.ContainerLogs(ctx, c.ID, engine.LogsOptions{Tail: -1}, &logs, &logs); err != nil {
			t.Fatal(err)
		}
		seen.WriteString("logs " + c.Names[0] + ": " + logs.String() + "\n")
	}
	for id := range images {
		raw, err := e.api.ImageInspect(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		add("image "+id, raw.Config)
	}
	for _, name := range []string{e.project + "_postgres_data", e.project + "_db-1_run-secrets"} {
		v, err := e.api.VolumeInspect(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		add("volume "+name, v.Labels)
	}
	for _, format := range []stack.ConfigFormat{stack.FormatYAML, stack.FormatJSON} {
		out, err := st.Render(format)
		if err != nil {
			t.Fatal(err)
		}
		seen.WriteString("config: " + string(out) + "\n")
	}
	add("progress", e.events.Events())
	add("ps", res.Containers)

	if seen.Len() < 10000 || !strings.Contains(seen.String(), "/run/secrets/postgres_password") {
		t.Fatalf("collected only %d bytes, or nothing naming the secret file: the check would prove nothing", seen.Len())
	}
	if i := strings.Index(seen.String(), password); i >= 0 {
		start := max(0, strings.LastIndex(seen.String()[:i], "\n"))
		t.Errorf("the password is in the output: %.300s", seen.String()[start:])
	}
}
