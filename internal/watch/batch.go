package watch

import (
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// Mapping is a changed host path and where a sync puts it.
type Mapping struct {
	HostPath, ContainerPath string
}

// Change is what one batch asks of one service, in the order Compose
// carries it out: rebuild, then sync, then restart, then the execs.
type Change struct {
	Service string
	// Paths are the batch's paths that matched a rule of the service.
	Paths []string
	// Actions are the actions of the rules they matched, in the rules'
	// order, each once.
	Actions []types.WatchAction
	Rebuild bool
	Sync    []Mapping
	Restart bool
	// Execs are the sync+exec hooks, each once however many of its paths
	// changed.
	Execs []types.ServiceHook
}

// Plan turns a batch of changed host paths into each service's change, in
// the order the services' rules come; a path no rule matches asks nothing.
// A path may match rules of several services, and several rules of one.
func Plan(batch []string, rules []Rule) []Change {
	var changes []Change
	index := map[string]int{}
	execed := map[int]bool{}
	paths := slices.Clone(batch)
	slices.Sort(paths)
	for i, r := range rules {
		for _, p := range paths {
			target, ok := r.Match(p)
			if !ok {
				continue
			}
			n, seen := index[r.Service]
			if !seen {
				n = len(changes)
				index[r.Service] = n
				changes = append(changes, Change{Service: r.Service})
			}
			c := &changes[n]
			if !slices.Contains(c.Paths, p) {
				c.Paths = append(c.Paths, p)
			}
			if !slices.Contains(c.Actions, r.Action) {
				c.Actions = append(c.Actions, r.Action)
			}
			switch r.Action {
			case types.WatchActionRebuild:
				c.Rebuild = true
			case types.WatchActionRestart:
				c.Restart = true
			case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
				m := Mapping{HostPath: p, ContainerPath: target}
				if !slices.Contains(c.Sync, m) {
					c.Sync = append(c.Sync, m)
				}
				c.Restart = c.Restart || r.Action == types.WatchActionSyncRestart
				if r.Action == types.WatchActionSyncExec && !execed[i] {
					execed[i] = true
					c.Execs = append(c.Execs, r.Exec)
				}
			}
		}
	}
	for i := range changes {
		slices.Sort(changes[i].Paths)
	}
	return changes
}
