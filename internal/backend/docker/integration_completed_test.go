package docker_test

import (
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/progress"
)

// After a down that kept the data, the next up does not run the migration
// again: it completed with the same image on the same data, and web serves
// the schema it needs. Data made anew (down -v) runs it again.
func TestColdUpSkipsAMigrationThatCompletedOnTheSameData(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 6*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)
	migrate := e.project + "-migrate-1"
	migrated := func() bool {
		ran := false
		e.events.setHook(func(ev progress.Event) {
			if ev.Resource == "container "+migrate && ev.Status == "started" {
				ran = true
			}
		})
		res := e.up(ctx, st, backend.UpOptions{})
		e.events.setHook(nil)
		itgVisit(t, ctx, itgWebPort(t, itgByService(t, res.Containers)["web"]))
		return ran
	}
	if !migrated() {
		t.Fatal("the first up did not run the migration")
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if migrated() {
		t.Error("up after a down that kept the data ran the migration again")
	}
	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if !migrated() {
		t.Error("up on data made anew did not run the migration")
	}
}
