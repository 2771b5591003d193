package docker_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/stacktest"
)

// The seed tutorial's own project, its files unchanged: flask-app starts
// only once db is healthy, GET / answers the tutorial's greeting, a crash
// of db is undone by its policy, and down -v leaves nothing. An override
// file (as Compose users write one) publishes web on a port the engine
// picks, since the seed's fixed 5000 may be taken on a test machine.
func TestDay34ExampleRunsVerbatim(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	root, err := stacktest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	override := filepath.Join(t.TempDir(), "override.yaml")
	if err := os.WriteFile(override, []byte("services:\n  web:\n    ports: !override\n      - \"127.0.0.1::5000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stack.Load(ctx, stack.LoadOptions{
		Files:       []string{filepath.Join(root, "examples", "day-34", "docker-compose.yml"), override},
		ProjectName: e.project,
	})
	if err != nil {
		t.Fatalf("load the example: %v", err)
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		t.Fatal(err)
	}
	if len(st.Notices) != 1 {
		t.Errorf("notices = %q, want one about pg_isready on the unix socket", st.Notices)
	}
	e.cleanupProject(st)

	var dbHealthy, webStarted time.Time
	e.events.setHook(func(ev progress.Event) {
		switch {
		case ev.Resource == "container postgres-db" && ev.Status == "healthy" && dbHealthy.IsZero():
			dbHealthy = ev.Time
		case ev.Resource == "container flask-app" && ev.Status == "started":
			webStarted = ev.Time
		}
	})
	res := e.up(ctx, st, backend.UpOptions{WaitTimeout: 2 * time.Minute})
	e.events.setHook(nil)
	if dbHealthy.IsZero() || webStarted.IsZero() || webStarted.Before(dbHealthy) {
		t.Errorf("db healthy at %s, flask-app started at %s; want flask-app after db", dbHealthy, webStarted)
	}
	web := itgByService(t, res.Containers)["web"]
	port := 0
	for _, p := range web.Ports {
		port = p.HostPort
	}
	var body string
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		code, b, err := itgGet(ctx, port, "/")
		if err == nil && code == 200 {
			body = b
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if body != "Hello from Flask App connected to Postgres & Redis!" {
		t.Errorf("GET / = %q, want the tutorial's greeting", body)
	}

	if err := e.orch.Build(ctx, st, []string{"web"}); err != nil {
		t.Errorf("build web: %v", err)
	}
	if err := e.orch.Build(ctx, st, []string{"nope"}); !errors.Is(err, backend.ErrUnknownService) {
		t.Errorf("build nope: %v, want ErrUnknownService", err)
	}
	images, err := e.orch.Images(ctx, st)
	if err != nil {
		t.Fatalf("images: %v", err)
	}
	for _, img := range images {
		if img.ID == "" || img.Built != (img.Service == "web") {
			t.Errorf("image of %s: %+v, want it present, built only for web", img.Service, img)
		}
	}

	report, err := e.orch.Crash(ctx, st, backend.CrashOptions{Service: "db", WaitTimeout: time.Minute})
	if err != nil {
		t.Fatalf("kill db: %v", err)
	}
	if db := e.inspect(ctx, "postgres-db"); db.RestartCount != 1 || !db.Running() {
		t.Errorf("after kill db: %s, %d restarts; want running again after one restart (report %+v)", db.Status, db.RestartCount, report)
	}
}
