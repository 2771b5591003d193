package docker

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// List lists the engine's Compose projects as `docker compose ls` does: by
// the Compose project label of containers that also carry Compose's config
// hash (a one-off of `run` does too), so the projects Compose made are
// listed beside stackctl's. Without opts.All only running containers count.
func (b *Backend) List(ctx context.Context, opts backend.ListOptions) ([]backend.ProjectSummary, error) {
	list, err := b.engine.ContainersLabelled(ctx, []string{stack.LabelComposeProject, stack.LabelComposeConfigHash}, opts.All)
	if err != nil {
		return nil, fmt.Errorf("list the engine's compose projects: %w", err)
	}
	byProject := map[string][]engine.ContainerSummary{}
	for _, c := range list {
		name := c.Labels[stack.LabelComposeProject]
		byProject[name] = append(byProject[name], c)
	}
	out := []backend.ProjectSummary{}
	for _, name := range slices.Sorted(maps.Keys(byProject)) {
		if !matchesName(opts.Names, name) {
			continue
		}
		containers := byProject[name]
		out = append(out, backend.ProjectSummary{Name: name, Status: combinedStatus(containers), ConfigFiles: combinedConfigFiles(containers)})
	}
	return out, nil
}

// matchesName says whether ls's name filters keep the project: as in
// Compose, a name that equals a filter or that the filter, as an unanchored
// regular expression, matches (a filter that is no regular expression
// matches by equality only). No filter keeps every project.
func matchesName(filters []string, name string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if f == name {
			return true
		}
		if re, err := regexp.Compile(f); err == nil && re.MatchString(name) {
			return true
		}
	}
	return false
}

// combinedStatus counts the containers by state, states sorted, as
// Compose's ls writes it: "exited(1), running(2)".
func combinedStatus(containers []engine.ContainerSummary) string {
	counts := map[string]int{}
	for _, c := range containers {
		counts[c.State]++
	}
	parts := make([]string, 0, len(counts))
	for _, state := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s(%d)", state, counts[state]))
	}
	return strings.Join(parts, ", ")
}

// combinedConfigFiles are the containers' config files, each once, in the
// order first met; "N/A" when a container does not say, as in Compose.
func combinedConfigFiles(containers []engine.ContainerSummary) string {
	var files []string
	for _, c := range containers {
		label, ok := c.Labels[stack.LabelComposeConfigFiles]
		if !ok {
			return "N/A"
		}
		for f := range strings.SplitSeq(label, ",") {
			if !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
	}
	return strings.Join(files, ",")
}
