package docker_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// upDownCycles is how many times TestUpDownCyclesLeaveNothing brings the
// stack up and down: enough for a per-cycle leak to show as growth.
const upDownCycles = 10

// TestUpDownCyclesLeaveNothing brings the built-in stack (postgres with a
// named volume, redis:7 whose image declares VOLUME /data, the one-shot
// migrate, the app) up and down again and again. After each down (without
// -v) only the project's labelled volumes remain, the same ones every
// time, and none of its containers or networks; no container of the
// project ever mounts a volume that is not the project's; no unlabelled
// volume appears on the engine; after down -v nothing of the project is
// left.
//
// Not parallel: it compares the engine's whole volume list before and
// after, and the other tests of this package are held while it runs.
func TestUpDownCyclesLeaveNothing(t *testing.T) {
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 15*time.Minute)
	st := e.defaultStack()
	e.cleanupProject(st)
	before := e.volumeNames(ctx)

	var kept []string // the project's volumes after the first down
	mountedBy := map[string]string{}
	for cycle := 1; cycle <= upDownCycles; cycle++ {
		start := time.Now()
		e.up(ctx, st, backend.UpOptions{})
		up := time.Since(start)
		for name, ctr := range e.unownedMounts(ctx, st, mountedBy) {
			t.Errorf("cycle %d: container %s mounts volume %s, which is not labelled as the project's", cycle, ctr, name)
		}
		start = time.Now()
		if err := e.orch.Down(ctx, st, backend.DownOptions{}); err != nil {
			t.Fatalf("cycle %d: down: %v", cycle, err)
		}
		t.Logf("cycle %d: up %s, down %s", cycle, up.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

		if left := slices.DeleteFunc(e.leftovers(ctx, st.ProjectName()), isVolume); len(left) > 0 {
			t.Errorf("cycle %d: down left %v", cycle, left)
		}
		volumes := e.volumeNames(ctx, filters.Arg("label", stack.LabelProject+"="+st.ProjectName()))
		if cycle == 1 {
			kept = volumes
			t.Logf("the project's volumes after down: %v", kept)
			if len(kept) == 0 {
				t.Fatalf("down without -v kept no volume of the project; want its named ones")
			}
		} else if !slices.Equal(volumes, kept) {
			t.Errorf("cycle %d: after down the project has volumes %v, after the first down it had %v", cycle, volumes, kept)
		}
		if t.Failed() {
			t.FailNow() // one cycle's failure says it; the next ones only repeat it
		}
	}

	for _, v := range e.newUnlabelledVolumes(ctx, before) {
		if ctr, ours := mountedBy[v]; ours {
			t.Errorf("volume %s, which the project's container %s mounted, is still on the engine without the project's label", v, ctr)
		} else {
			t.Errorf("volume %s appeared on the engine during the cycles, unlabelled, and no container uses it", v)
		}
	}

	if err := e.orch.Down(ctx, st, backend.DownOptions{Volumes: true}); err != nil {
		t.Fatalf("down -v: %v", err)
	}
	if left := e.leftovers(ctx, st.ProjectName()); len(left) > 0 {
		t.Errorf("down -v left %v", left)
	}
	for _, v := range e.volumeNames(ctx) {
		if strings.HasPrefix(v, st.ProjectName()+"_") {
			t.Errorf("down -v left volume %s, named as the project's", v)
		}
	}
}

func isVolume(s string) bool { return strings.HasPrefix(s, "volume ") }

// volumeNames is the names of the engine's volumes that args selects (all
// of them without args), sorted.
func (e *itgEnv) volumeNames(ctx context.Context, args ...filters.KeyValuePair) []string {
	e.t.Helper()
	vs, err := e.api.VolumeList(ctx, volume.ListOptions{Filters: filters.NewArgs(args...)})
	if err != nil {
		e.t.Fatalf("list the engine's volumes %v: %v", args, err)
	}
	var names []string
	for _, v := range vs.Volumes {
		names = append(names, v.Name)
	}
	slices.Sort(names)
	return names
}

// unownedMounts returns the volumes the project's containers mount that
// are not labelled as the project's, with the container mounting each,
// and records in mountedBy every volume they mount.
func (e *itgEnv) unownedMounts(ctx context.Context, st *stack.Stack, mountedBy map[string]string) map[string]string {
	e.t.Helper()
	cs, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", stack.LabelProject+"="+st.ProjectName()))})
	if err != nil {
		e.t.Fatalf("list the containers of project %s: %v", st.ProjectName(), err)
	}
	unowned := map[string]string{}
	for _, c := range cs {
		for _, m := range c.Mounts {
			if m.Type != mount.TypeVolume {
				continue
			}
			mountedBy[m.Name] = strings.TrimPrefix(c.Names[0], "/")
			v, err := e.api.VolumeInspect(ctx, m.Name)
			if err != nil {
				e.t.Fatalf("inspect volume %s of container %s: %v", m.Name, c.Names[0], err)
			}
			if v.Labels[stack.LabelProject] != st.ProjectName() {
				unowned[m.Name] = mountedBy[m.Name]
			}
		}
	}
	return unowned
}

// newUnlabelledVolumes is the volumes on the engine now that were not in
// before, carry no project label, and no container uses: what a removed
// container left. One a running container of another test uses is that
// test's to answer for, not a leak of this one.
func (e *itgEnv) newUnlabelledVolumes(ctx context.Context, before []string) []string {
	e.t.Helper()
	vs, err := e.api.VolumeList(ctx, volume.ListOptions{})
	if err != nil {
		e.t.Fatalf("list the engine's volumes: %v", err)
	}
	var left []string
	for _, v := range vs.Volumes {
		if slices.Contains(before, v.Name) || v.Labels[stack.LabelProject] != "" {
			continue
		}
		users, err := e.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("volume", v.Name))})
		if err != nil {
			e.t.Fatalf("list the containers using volume %s: %v", v.Name, err)
		}
		if len(users) > 0 {
			e.t.Logf("volume %s appeared during the cycles, used by another container (%s): not this project's", v.Name, users[0].Names)
			continue
		}
		left = append(left, v.Name)
	}
	return left
}
