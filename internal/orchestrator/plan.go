package orchestrator

import (
	"fmt"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// Plan is what up decides for st, given what obs says runs: the validated
// stack reconciled, with no engine call. For those that need the decision
// without an engine: the conformance test plans every Compose fixture.
func Plan(st *stack.Stack, obs backend.Observed, names backend.Naming, opts backend.UpOptions) (backend.Plan, error) {
	if err := st.Validate(); err != nil {
		return backend.Plan{}, fmt.Errorf("invalid stack: %w", err)
	}
	return reconcile(st, obs, names, opts)
}
