package docker

import (
	"context"
	"slices"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A project Docker Compose made (or part of one) carries only Compose's
// labels. stackctl takes it over as Compose would take over its own: its
// networks and volumes are the project's and stay (data included), its
// containers are replaced by containers of stackctl's (Compose's
// configuration hash is not stackctl's, so nothing says they match), and
// down removes all of it.

// madeByCompose is the tool a resource's labels say made it when it is
// the project's by Compose's labels only: "Docker Compose", else "".
func madeByCompose(labels map[string]string, project string) string {
	if labels[stack.LabelProject] == "" && labels[stack.LabelComposeProject] == project {
		return "Docker Compose"
	}
	return ""
}

// serviceLabel is the service a container runs, by stackctl's label or,
// on a container Compose made, by Compose's.
func serviceLabel(labels map[string]string) string {
	if s := labels[stack.LabelService]; s != "" {
		return s
	}
	return labels[stack.LabelComposeService]
}

// projectContainers are the project's containers by stackctl's label and
// those Compose made under its own; lifecycle-hook containers are no
// service's and are left out (down removes them, see removePreStart).
func (b *Backend) projectContainers(ctx context.Context, st *stack.Stack) ([]engine.ContainerSummary, error) {
	own, err := b.engine.ContainerList(ctx, st.ProjectLabels())
	if err != nil {
		return nil, err
	}
	composed, err := b.engine.ContainerList(ctx, map[string]string{stack.LabelComposeProject: st.Project})
	if err != nil {
		return nil, err
	}
	for _, c := range composed {
		if madeByCompose(c.Labels, st.Project) != "" {
			own = append(own, c)
		}
	}
	return slices.DeleteFunc(own, func(c engine.ContainerSummary) bool { return isHook(c.Labels) }), nil
}
