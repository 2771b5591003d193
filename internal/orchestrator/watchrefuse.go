package orchestrator

import (
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/watch"
)

// CheckWatch refuses a watch of the services (all that have develop.watch
// when none) whose triggers the backend cannot carry out: where it cannot
// copy files into its instances (a swarm), every sync, sync+restart and
// sync+exec trigger, each named by its service, action and path. It asks
// the engine nothing, so watch's command calls it before it brings the
// stack up, and Watch calls it again for its other callers.
func (o *Orchestrator) CheckWatch(st *stack.Stack, services []string) error {
	syncer, ok := o.Backend.(backend.FileSyncer)
	if !ok || st.Source == nil {
		return nil
	}
	refusal := syncer.SyncRefusal()
	if refusal == nil {
		return nil
	}
	rules, err := watch.Rules(st.Source, services)
	if err != nil {
		return err
	}
	var refused []string
	for _, r := range rules {
		if r.IsSync() {
			refused = append(refused, fmt.Sprintf("service %s: %s of %s", r.Service, r.Action, relative(st, r.Path)))
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return fmt.Errorf("watch refuses the sync triggers (%s): %w", strings.Join(refused, "; "), refusal)
}
