package swarm_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

const revisionLabel = "io.stackctl.revision"

// assertRolledBackStartFirst fails t with every fault rollbackFaults finds
// in the service's tasks, and then lists them all.
func assertRolledBackStartFirst(t *testing.T, ctx context.Context, cluster *enginetest.SwarmCluster, service string, before []engine.Task) {
	t.Helper()
	all, err := cluster.Manager.TaskList(ctx, engine.TaskFilter{Service: service})
	if err != nil {
		t.Fatal(err)
	}
	faults, lost := rollbackFaults(before, all)
	if len(lost) > 0 {
		t.Logf("task %v of %s stopped when a task of the broken spec in its slot was reported running on its way to complete; the rollback replaced it", lost, service)
	}
	if len(faults) == 0 {
		return
	}
	for _, f := range faults {
		t.Errorf("%s: %s", service, f)
	}
	slices.SortFunc(all, func(a, b engine.Task) int { return a.Created.Compare(b.Created) })
	for _, tk := range all {
		t.Logf("task %s slot %d revision %s created %s: %s (desired %s) at %s %s %s", tk.ID, tk.Slot, tk.Labels[revisionLabel],
			tk.Created.Format("15:04:05.000"), tk.State, tk.DesiredState, tk.StatusAt.Format("15:04:05.000"), tk.Message, tk.Err)
	}
}

// rollbackFaults is what is wrong with a failed start-first update that
// should have been rolled back, given the service's tasks before it and
// all of them after: as many tasks must run as before, all of the previous
// spec, and each must be the very task that ran before, unless a task of
// the broken spec completed in its slot. lost are the old tasks that
// stopped, in such slots.
//
// Such a slot may lose its old task, and the rollback starts a new one of
// the previous spec there. Docker's executor stops a task that fails its
// healthcheck while starting, and when the task then exits 0 (web does, on
// SIGTERM) it reports the task running, then complete; a start-first
// updater that sees it running stops the slot's old task. Whether the
// updater sees that state or only the last one is a race.
func rollbackFaults(before, all []engine.Task) (faults, lost []string) {
	previous := before[0].Labels[revisionLabel]
	running := map[string]bool{}
	completedBroken := map[int]bool{}
	for _, tk := range all {
		rev := tk.Labels[revisionLabel]
		switch {
		case tk.State == "running" && tk.DesiredState == "running":
			running[tk.ID] = true
			if rev != previous {
				faults = append(faults, fmt.Sprintf("task %s runs revision %s after the rollback, want the previous spec's %s", tk.ID, rev, previous))
			}
		case tk.State == "complete" && rev != previous:
			completedBroken[tk.Slot] = true
		}
	}
	if len(running) != len(before) {
		faults = append(faults, fmt.Sprintf("%d tasks run after the rollback, want %d as before", len(running), len(before)))
	}
	for _, tk := range before {
		if running[tk.ID] {
			continue
		}
		if !completedBroken[tk.Slot] {
			faults = append(faults, fmt.Sprintf("task %s (slot %d) stopped in the update, though no task of the broken spec completed in its slot; a start-first update keeps it", tk.ID, tk.Slot))
			continue
		}
		lost = append(lost, tk.ID)
	}
	return faults, lost
}

// The tasks are those of a run where the updater saw slot 1's broken task
// running: its old task stopped, and the rollback started another.
func TestRollbackFaultsAllowsOnlyTheSlotWhoseBrokenTaskCompleted(t *testing.T) {
	const old, broken = "3ca73252.0", "b38c15e8.0"
	task := func(id string, slot int, rev, state, desired string) engine.Task {
		return engine.Task{ID: id, Slot: slot, State: state, DesiredState: desired, Labels: map[string]string{revisionLabel: rev}}
	}
	before := []engine.Task{
		task("old1", 1, old, "running", "running"),
		task("old2", 2, old, "running", "running"),
		task("old3", 3, old, "running", "running"),
	}
	run := []engine.Task{
		task("old1", 1, old, "shutdown", "shutdown"),
		task("old2", 2, old, "running", "running"),
		task("old3", 3, old, "running", "running"),
		task("broken1", 1, broken, "complete", "shutdown"),
		task("broken2", 2, broken, "shutdown", "shutdown"),
		task("restarted1", 1, broken, "shutdown", "shutdown"),
		task("back1", 1, old, "running", "running"),
	}
	faults, lost := rollbackFaults(before, run)
	if len(faults) != 0 || !slices.Equal(lost, []string{"old1"}) {
		t.Errorf("the run's tasks: faults %q, lost %v; want none, and old1 lost", faults, lost)
	}

	for _, tc := range []struct {
		name   string
		change func(tasks []engine.Task)
		want   string
	}{
		{"no broken task completed in slot 1", func(tasks []engine.Task) { tasks[3].State = "failed" },
			"task old1 (slot 1) stopped in the update, though no task of the broken spec completed in its slot; a start-first update keeps it"},
		{"a broken task still runs", func(tasks []engine.Task) { tasks[6] = task("broken3", 1, broken, "running", "running") },
			"task broken3 runs revision b38c15e8.0 after the rollback, want the previous spec's 3ca73252.0"},
		{"slot 1 not started again", func(tasks []engine.Task) { tasks[6].State = "starting" },
			"2 tasks run after the rollback, want 3 as before"},
		{"an old task of another slot stopped", func(tasks []engine.Task) { tasks[2].State, tasks[2].DesiredState = "shutdown", "shutdown" },
			"task old3 (slot 3) stopped in the update, though no task of the broken spec completed in its slot; a start-first update keeps it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tasks := slices.Clone(run)
			tc.change(tasks)
			faults, _ := rollbackFaults(before, tasks)
			if !slices.Contains(faults, tc.want) {
				t.Errorf("faults %q; want among them %q", faults, tc.want)
			}
		})
	}
}
