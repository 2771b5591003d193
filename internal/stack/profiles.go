package stack

import (
	"slices"
)

// Profiles are the profiles the compose files name, enabled or not,
// sorted, as Compose's config --profiles lists them.
func (s *Stack) Profiles() []string {
	if s.Source == nil {
		return nil
	}
	var out []string
	for _, svc := range s.Source.AllServices() {
		out = append(out, svc.Profiles...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
