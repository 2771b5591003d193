package docker

import (
	"context"

	"github.com/stackctl/stackctl/internal/stack"
)

// Deployed reads the project's current shape from its containers' labels,
// so a later `up` can keep a scale and an edge it was not told again.
func (b *Backend) Deployed(ctx context.Context, project string) (stack.Deployment, error) {
	list, err := b.engine.ContainerList(ctx, map[string]string{stack.LabelProject: project})
	if err != nil {
		return stack.Deployment{}, err
	}
	d := stack.Deployment{Replicas: map[string]int{}, Edges: map[string]bool{}}
	for _, c := range list {
		if service := c.Labels[stack.LabelService]; service != "" && !isOneOff(c.Labels) {
			d.Replicas[service]++
		}
		if target := c.Labels[stack.LabelBalances]; target != "" {
			d.Edges[target] = true
		}
	}
	return d, nil
}
