package swarm

import (
	"context"
	"slices"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Observe lists every service of the swarm by name, so that reconcile sees
// the project's and any other holding a wanted name. A service runs its
// replicas itself; a one-shot's job is looked into: whether it completed,
// or how its last attempt ended.
func (b *Backend) Observe(ctx context.Context, st *stack.Stack, imageIDs map[string]string) (backend.Observed, error) {
	all, err := b.engine.ServiceList(ctx, nil)
	if err != nil {
		return backend.Observed{}, err
	}
	obs := backend.Observed{Instances: make(map[string]backend.Instance, len(all)), ImageIDs: imageIDs}
	for _, s := range all {
		in := backend.Instance{
			ID: s.ID, Name: s.Name, Replica: 1, State: "running", Healthy: true,
			Project: s.Labels[stack.LabelProject], Service: s.Labels[stack.LabelService], Hash: s.Labels[stack.LabelConfigHash],
			Replicated: true, Replicas: 1,
		}
		switch mode := s.Spec.Mode; {
		case mode.Replicated != nil && mode.Replicated.Replicas != nil:
			in.Replicas = int(*mode.Replicated.Replicas)
		case mode.ReplicatedJob != nil && in.Project == st.Project:
			if err := b.observeJob(ctx, s, &in); err != nil {
				return backend.Observed{}, err
			}
		}
		obs.Instances[s.Name] = in
	}
	return obs, nil
}

// observeJob says how a one-shot's job stands: exited 0 once a run of its
// current spec completed, exited with the last attempt's code when no
// attempt runs and none completed, running otherwise.
func (b *Backend) observeJob(ctx context.Context, s engine.Service, in *backend.Instance) error {
	tasks, err := b.engine.TaskList(ctx, engine.TaskFilter{Service: s.ID})
	if err != nil {
		return err
	}
	current := slices.DeleteFunc(tasks, func(t engine.Task) bool { return t.Labels[labelRevision] != revisionOf(s.Spec) })
	if len(current) == 0 {
		return nil
	}
	slices.SortFunc(current, func(a, b engine.Task) int { return b.Created.Compare(a.Created) })
	for _, t := range current {
		switch t.State {
		case "complete":
			in.State, in.ExitCode = "exited", 0
			return nil
		case "failed", "rejected", "shutdown", "orphaned", "remove":
		default:
			return nil // an attempt is under way
		}
	}
	in.State, in.ExitCode, in.Healthy = "exited", current[0].ExitCode, false
	if in.ExitCode == 0 {
		in.ExitCode = 1 // rejected before it ran: no code, but no success
	}
	return nil
}
