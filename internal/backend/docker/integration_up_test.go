package docker_test

// Integration tests of Up's happy paths against the real engine: a stack
// from nothing, start order gated on health, the containers' settings, an
// idempotent second Up, recreating only what changed, and data that outlives
// Down but not Down with volumes.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// TestUpIntegrationFromNothing brings the default stack up on an empty
// project and then, on that same stack, checks start order, container
// settings, that a second Up changes nothing, and that a changed service is
// the only one recreated.
func TestUpIntegrationFromNothing(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)

	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Fatalf("project %s is not empty before up: %v", e.project, left)
	}

	res := e.up(ctx, st, backend.UpOptions{})
	if !res.Changed {
		t.Errorf("first up on an empty project: Changed = false, want true")
	}
	first := itgByService(t, res.Containers)

	t.Run("all four services", func(t *testing.T) {
		if len(res.Containers) != 4 {
			t.Fatalf("up returned %d containers, want 4: %+v", len(res.Containers), res.Containers)
		}
		// PS lists in start order: db and cache before migrate, web last.
		var order []string
		for _, c := range res.Containers {
			order = append(order, c.Service)
		}
		if order[3] != "web" || slices.Index(order, "migrate") > 2 || slices.Index(order, "db") > slices.Index(order, "migrate") {
			t.Errorf("containers in order %v, want db before migrate, web last", order)
		}
		for _, name := range []string{"db", "cache", "web"} {
			c, ok := first[name]
			if !ok {
				t.Fatalf("no %s container in %+v", name, res.Containers)
			}
			if c.State != "running" {
				t.Errorf("%s is %s, want running", name, c.State)
			}
			svc, _ := st.Service(name)
			if want := st.ContainerName(svc, 1); c.Name != want {
				t.Errorf("%s container is named %q, want %q", name, c.Name, want)
			}
		}
		// Up's own fast probe may pass before the engine's first scheduled
		// one, so the engine may still say "starting"; it must never say
		// unhealthy, and must get to healthy on its own.
		for _, name := range []string{"db", "web"} {
			if h := first[name].Health; h != "healthy" && h != "starting" {
				t.Errorf("%s health is %q once up returned, want healthy (or starting)", name, h)
			}
			enginetest.Eventually(t, time.Minute, name+" healthy by the engine's own check", func() error {
				if h := e.inspect(ctx, first[name].ID).Health; h != "healthy" {
					return fmt.Errorf("health %q", h)
				}
				return nil
			})
		}
		m, ok := first["migrate"]
		if !ok {
			t.Fatalf("no migrate container in %+v", res.Containers)
		}
		if m.State != "exited" || m.ExitCode != 0 {
			t.Errorf("migrate is %s with exit code %d, want exited 0", m.State, m.ExitCode)
		}

		port := itgWebPort(t, first["web"])
		if n := itgVisit(t, ctx, port); n != 1 {
			t.Errorf("first visit of a new stack counted visits=%d, want 1", n)
		}
		status, body, err := itgGet(ctx, port, "/api/stats")
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET /api/stats = %d %q, %v; want 200", status, body, err)
		}
		var stats struct {
			Visits   *int64 `json:"visits"`
			Postgres string `json:"postgres"`
			Redis    string `json:"redis"`
		}
		if err := json.Unmarshal([]byte(body), &stats); err != nil {
			t.Fatalf("GET /api/stats body %q: %v", body, err)
		}
		if stats.Visits == nil || *stats.Visits != 1 || stats.Postgres != "ok" || stats.Redis != "ok" {
			t.Errorf("GET /api/stats = %s, want visits 1 and both dependencies ok", body)
		}

		netw, err := e.cli.NetworkInspect(ctx, st.NetworkName("app-network"))
		if err != nil || netw.Labels[stack.LabelProject] != e.project {
			t.Errorf("network %s: %+v, %v; want it labelled with project %s", st.NetworkName("app-network"), netw, err, e.project)
		}
		vol, err := e.cli.VolumeInspect(ctx, st.VolumeName("postgres_data"))
		if err != nil || vol.Labels[stack.LabelProject] != e.project {
			t.Errorf("volume %s: %+v, %v; want it labelled with project %s", st.VolumeName("postgres_data"), vol, err, e.project)
		}
	})

	// What docker inspect shows is what the file and the images say: no
	// command of stackctl's runs first.
	t.Run("every container runs its image's entrypoint and the file's command", func(t *testing.T) {
		for _, name := range []string{"db", "cache", "migrate", "web"} {
			svc, _ := st.Service(name)
			c := e.inspect(ctx, first[name].ID)
			img, err := e.cli.ImageInspect(ctx, svc.Image)
			if err != nil {
				t.Fatal(err)
			}
			wantEntrypoint, wantCmd := img.Entrypoint, img.Cmd
			if svc.Entrypoint != nil {
				wantEntrypoint, wantCmd = svc.Entrypoint, nil
			}
			if svc.Command != nil {
				wantCmd = svc.Command
			}
			if !slices.Equal(c.Entrypoint, wantEntrypoint) || !slices.Equal(c.Cmd, wantCmd) {
				t.Errorf("%s runs entrypoint %q, cmd %q; want %q, %q", name, c.Entrypoint, c.Cmd, wantEntrypoint, wantCmd)
			}
		}
	})

	// A container starts only once its depends_on conditions hold: its
	// process, not only the app in it.
	t.Run("web's app ran only after db was ready and migrate completed", func(t *testing.T) {
		db := e.inspect(ctx, first["db"].ID)
		migrate := e.inspect(ctx, first["migrate"].ID)
		cache := e.inspect(ctx, first["cache"].ID)
		migrateRan, webRan := e.appStartedAt(ctx, first["migrate"].ID), e.appStartedAt(ctx, first["web"].ID)
		readyAt := e.postgresReadyAt(ctx, db.ID)
		t.Logf("db started %s, ready %s; migrate ran %s..%s; cache started %s; web's app ran %s",
			db.StartedAt.Format(time.StampMicro), readyAt.Format(time.StampMicro),
			migrateRan.Format(time.StampMicro), migrate.FinishedAt.Format(time.StampMicro),
			cache.StartedAt.Format(time.StampMicro), webRan.Format(time.StampMicro))

		if readyAt.Before(db.StartedAt.Truncate(time.Millisecond)) {
			t.Fatalf("postgres ready at %s, before its container started at %s: clock or log parsing is off", readyAt, db.StartedAt)
		}
		if !migrateRan.After(readyAt) {
			t.Errorf("migrate ran at %s, not after postgres was ready at %s", migrateRan, readyAt)
		}
		if migrate.FinishedAt.IsZero() || !migrate.FinishedAt.After(migrateRan) {
			t.Errorf("migrate finished at %s, ran at %s: want a finished run", migrate.FinishedAt, migrateRan)
		}
		if !webRan.After(readyAt) {
			t.Errorf("web's app ran at %s, not after postgres was ready at %s", webRan, readyAt)
		}
		if !webRan.After(migrate.FinishedAt) {
			t.Errorf("web's app ran at %s, not after migrate finished at %s", webRan, migrate.FinishedAt)
		}
		if !webRan.After(cache.StartedAt) {
			t.Errorf("web's app ran at %s, not after cache started at %s", webRan, cache.StartedAt)
		}
		web := e.inspect(ctx, first["web"].ID)
		if !web.StartedAt.After(readyAt) || !web.StartedAt.After(migrate.FinishedAt) {
			t.Errorf("web's container started at %s, not after postgres was ready at %s and migrate finished at %s", web.StartedAt, readyAt, migrate.FinishedAt)
		}
	})

	t.Run("restart policies, healthchecks and hardening as configured", func(t *testing.T) {
		wantRestart := map[string]stack.RestartPolicy{
			"db":      {Name: "always"},
			"cache":   {Name: "always"},
			"migrate": {Name: "on-failure", MaxRetries: 3},
			"web":     {Name: "unless-stopped"},
		}
		wantPS := map[string]string{"db": "always", "cache": "always", "migrate": "on-failure:3", "web": "unless-stopped"}
		for name, want := range wantRestart {
			c := e.inspect(ctx, first[name].ID)
			if c.Restart != want {
				t.Errorf("%s restart policy on the engine = %+v, want %+v", name, c.Restart, want)
			}
			if got := first[name].RestartPolicy; got != wantPS[name] {
				t.Errorf("%s restart policy in ps = %q, want %q", name, got, wantPS[name])
			}
			if c.Labels[stack.LabelProject] != e.project || c.Labels[stack.LabelService] != name || c.Labels[stack.LabelConfigHash] == "" {
				t.Errorf("%s labels %v: want project %s, service %s and a config hash", name, c.Labels, e.project, name)
			}
		}

		for _, name := range []string{"db", "cache", "migrate", "web"} {
			svc, _ := st.Service(name)
			raw, err := e.api.ContainerInspect(ctx, first[name].ID)
			if err != nil {
				t.Fatalf("inspect %s: %v", name, err)
			}
			var test []string
			if raw.Config.Healthcheck != nil {
				test = raw.Config.Healthcheck.Test
			}
			var want []string
			if svc.Healthcheck != nil {
				want = svc.Healthcheck.Test
			}
			if !slices.Equal(test, want) {
				t.Errorf("%s healthcheck test on the engine = %q, want %q", name, test, want)
			}
			if svc.Healthcheck.Enabled() {
				hc := raw.Config.Healthcheck
				if hc.Interval != svc.Healthcheck.Interval || hc.Timeout != svc.Healthcheck.Timeout || hc.Retries != svc.Healthcheck.Retries {
					t.Errorf("%s healthcheck = interval %s timeout %s retries %d, want %s %s %d", name,
						hc.Interval, hc.Timeout, hc.Retries, svc.Healthcheck.Interval, svc.Healthcheck.Timeout, svc.Healthcheck.Retries)
				}
			}
			hardened := name == "migrate" || name == "web"
			if raw.HostConfig.ReadonlyRootfs != hardened {
				t.Errorf("%s read-only rootfs = %v, want %v", name, raw.HostConfig.ReadonlyRootfs, hardened)
			}
			if hardened {
				if raw.Config.User != "65532:65532" {
					t.Errorf("%s runs as user %q, want 65532:65532 (non-root)", name, raw.Config.User)
				}
				if !slices.Contains(raw.HostConfig.CapDrop, "ALL") {
					t.Errorf("%s drops capabilities %v, want ALL", name, raw.HostConfig.CapDrop)
				}
				if !slices.Contains(raw.HostConfig.SecurityOpt, "no-new-privileges:true") {
					t.Errorf("%s security options %v, want no-new-privileges:true", name, raw.HostConfig.SecurityOpt)
				}
			}
		}
		if h := e.inspect(ctx, first["migrate"].ID).Health; h != "" {
			t.Errorf("migrate has health %q, want none (the image's healthcheck is turned off)", h)
		}

		raw, err := e.api.ContainerInspect(ctx, first["db"].ID)
		if err != nil {
			t.Fatal(err)
		}
		mounted := false
		for _, m := range raw.Mounts {
			if m.Name == st.VolumeName("postgres_data") && m.Destination == "/var/lib/postgresql/data" {
				mounted = true
			}
		}
		if !mounted {
			t.Errorf("db mounts %+v, want volume %s at /var/lib/postgresql/data", raw.Mounts, st.VolumeName("postgres_data"))
		}
	})

	t.Run("second up touches nothing", func(t *testing.T) {
		before := len(e.events.Events())
		res2 := e.up(ctx, st, backend.UpOptions{})
		if res2.Changed {
			t.Errorf("second up on a converged stack: Changed = true, want false")
		}
		for _, ev := range e.events.Events()[before:] {
			switch ev.Status {
			case "creating", "started", "stopping", "removed", "building", "built", "pulling", "created":
				t.Errorf("second up reported %s %s", ev.Resource, ev.Status)
			}
		}
		again := itgByService(t, res2.Containers)
		for _, name := range []string{"db", "cache", "migrate", "web"} {
			a, b := e.inspect(ctx, first[name].ID), e.inspect(ctx, again[name].ID)
			if a.ID != b.ID {
				t.Errorf("%s container replaced: %s -> %s", name, first[name].ID, again[name].ID)
			}
			if !b.StartedAt.Equal(first[name].StartedAt) {
				t.Errorf("%s restarted: started at %s, then %s", name, first[name].StartedAt, b.StartedAt)
			}
		}
		m := e.inspect(ctx, again["migrate"].ID)
		if m.Status != "exited" || m.ExitCode != 0 || m.RestartCount != first["migrate"].RestartCount {
			t.Errorf("migrate after second up: %s exit %d restarts %d; want it left done", m.Status, m.ExitCode, m.RestartCount)
		}
	})

	t.Run("changed env recreates only that service", func(t *testing.T) {
		cache, _ := st.Service("cache")
		cache.Environment = append(cache.Environment, stack.EnvVar{Name: "STACKCTL_ITG_MARKER", Value: "changed"})
		port := itgWebPort(t, first["web"])
		before := itgVisit(t, ctx, port)

		res3 := e.up(ctx, st, backend.UpOptions{})
		if !res3.Changed {
			t.Errorf("up after changing cache's env: Changed = false, want true")
		}
		now := itgByService(t, res3.Containers)
		if now["cache"].ID == first["cache"].ID {
			t.Fatalf("cache kept container %s after its env changed", first["cache"].ID)
		}
		if now["cache"].State != "running" {
			t.Errorf("new cache container is %s, want running", now["cache"].State)
		}
		raw, err := e.api.ContainerInspect(ctx, now["cache"].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(raw.Config.Env, "STACKCTL_ITG_MARKER=changed") {
			t.Errorf("new cache container env %v lacks STACKCTL_ITG_MARKER=changed", raw.Config.Env)
		}
		if _, err := e.cli.ContainerInspect(ctx, first["cache"].ID); !itgNotFound(err) {
			t.Errorf("old cache container %s: inspect error %v, want it removed", first["cache"].ID, err)
		}
		for _, name := range []string{"db", "migrate", "web"} {
			if now[name].ID != first[name].ID {
				t.Errorf("%s recreated (%s -> %s) though only cache changed", name, first[name].ID, now[name].ID)
			}
			if !now[name].StartedAt.Equal(first[name].StartedAt) {
				t.Errorf("%s restarted (%s -> %s) though only cache changed", name, first[name].StartedAt, now[name].StartedAt)
			}
		}
		if after := itgVisit(t, ctx, port); after != before+1 {
			t.Errorf("visits after recreating cache = %d, want %d (postgres holds the count)", after, before+1)
		}
		enginetest.Eventually(t, 30*time.Second, "web reaches the new cache", func() error {
			_, body, err := itgGet(ctx, port, "/api/stats")
			if err != nil {
				return err
			}
			var stats struct{ Redis string }
			if err := json.Unmarshal([]byte(body), &stats); err != nil {
				return err
			}
			if stats.Redis != "ok" {
				return fmt.Errorf("redis is %q: %s", stats.Redis, body)
			}
			return nil
		})

		res4 := e.up(ctx, st, backend.UpOptions{})
		if res4.Changed {
			t.Errorf("up again with the same changed env: Changed = true, want false")
		}
		if id := itgByService(t, res4.Containers)["cache"].ID; id != now["cache"].ID {
			t.Errorf("cache recreated again (%s -> %s) with an unchanged env", now["cache"].ID, id)
		}
	})
}

// TestUpIntegrationDataSurvivesDown counts visits across Down and Up: the
// count survives Down, and Down with volumes removes the volume so the next
// Up starts from an empty database.
func TestUpIntegrationDataSurvivesDown(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 8*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)
	volumeName := st.VolumeName("postgres_data")
	networkName := st.NetworkName("app-network")

	res := e.up(ctx, st, backend.UpOptions{})
	port := itgWebPort(t, itgByService(t, res.Containers)["web"])
	v1 := itgVisit(t, ctx, port)
	v2 := itgVisit(t, ctx, port)
	if v1 != 1 || v2 != 2 {
		t.Fatalf("visits on a new stack = %d, %d; want 1, 2", v1, v2)
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatalf("down: %v", err)
	}
	if ps, err := e.orch.PS(ctx, st); err != nil || len(ps) != 0 {
		t.Fatalf("after down, ps = %+v, %v; want no containers", ps, err)
	}
	if _, err := e.cli.NetworkInspect(ctx, networkName); !itgNotFound(err) {
		t.Errorf("after down, network %s: %v; want it removed", networkName, err)
	}
	if v, err := e.cli.VolumeInspect(ctx, volumeName); err != nil || v.Labels[stack.LabelProject] != e.project {
		t.Fatalf("after down without volumes, volume %s: %+v, %v; want it kept", volumeName, v, err)
	}

	res = e.up(ctx, st, backend.UpOptions{})
	if !res.Changed {
		t.Errorf("up after down: Changed = false, want true")
	}
	port = itgWebPort(t, itgByService(t, res.Containers)["web"])
	if v3 := itgVisit(t, ctx, port); v3 != v2+1 {
		t.Errorf("first visit after down + up = %d, want %d: the count did not survive", v3, v2+1)
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down with volumes: %v", err)
	}
	if _, err := e.cli.VolumeInspect(ctx, volumeName); !itgNotFound(err) {
		t.Fatalf("after down with volumes, volume %s: %v; want %v", volumeName, err, engine.ErrNotFound)
	}
	if left := e.leftovers(ctx, e.project); len(left) > 0 {
		t.Errorf("after down with volumes, left: %v", left)
	}

	res = e.up(ctx, st, backend.UpOptions{})
	port = itgWebPort(t, itgByService(t, res.Containers)["web"])
	if v := itgVisit(t, ctx, port); v != 1 {
		t.Errorf("first visit after down with volumes + up = %d, want 1 (an empty database)", v)
	}
}
