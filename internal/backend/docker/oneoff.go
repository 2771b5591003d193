package docker

import (
	"slices"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// isOneOff reports whether labels mark a one-off container of Run, or of
// Docker Compose's run on a project Compose made.
func isOneOff(labels map[string]string) bool {
	return labels[stack.LabelOneOff] == "true" ||
		(labels[stack.LabelProject] == "" && labels[stack.LabelComposeOneOff] == "True")
}

// withoutOneOffs drops Run's one-off containers from list. They carry
// their project and service, so down removes them, but they are none of
// the service's replicas: convergence neither counts, replaces nor removes
// them.
func withoutOneOffs(list []engine.ContainerSummary) []engine.ContainerSummary {
	return slices.DeleteFunc(list, func(c engine.ContainerSummary) bool { return isOneOff(c.Labels) })
}
