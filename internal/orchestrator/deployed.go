package orchestrator

import (
	"context"

	"github.com/stackctl/stackctl/internal/stack"
)

// Deployment is what of a project runs on the engine: replicas per service.
type Deployment struct {
	Replicas map[string]int
}

// Deployed reads the project's current shape from its containers' labels,
// so a later `up` can keep a scale it was not told again.
func (o *Orchestrator) Deployed(ctx context.Context, project string) (Deployment, error) {
	list, err := o.engine.ContainerList(ctx, map[string]string{stack.LabelProject: project})
	if err != nil {
		return Deployment{}, err
	}
	d := Deployment{Replicas: map[string]int{}}
	for _, c := range list {
		if service := c.Labels[stack.LabelService]; service != "" {
			d.Replicas[service]++
		}
	}
	return d, nil
}
