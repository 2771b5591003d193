package stack

import (
	"bytes"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
)

// ConfigFormat is how `config` renders the project.
type ConfigFormat string

// The formats of Render.
const (
	FormatYAML ConfigFormat = "yaml"
	FormatJSON ConfigFormat = "json"
)

// Render prints the resolved project as Docker Compose's config prints it,
// so that the output, loaded again by stackctl or by Compose, is the same
// project:
//   - every "$" is written "$$": the values are interpolated already, and
//     a "$" left bare (a command's "$${HOME}", resolved to "${HOME}")
//     would be interpolated a second time;
//   - env_file is left out, its variables being in environment already;
//   - so is an optional dependency on a service a profile left out: it
//     means nothing to this project, and the loader (Compose's too)
//     refuses a dependency on a service the file does not have;
//   - nothing is masked. A secret is printed by its source (its file, or
//     the variable it is read from), never its content, as compose-go
//     renders it; environment, build args and labels are no secrets (the
//     engine shows them to anyone who can inspect the container), and
//     masking them would change the project the output describes.
func (s *Stack) Render(format ConfigFormat) ([]byte, error) {
	if s.Source == nil {
		return nil, fmt.Errorf("render project %s: it was not loaded from a compose file", s.Project)
	}
	p, err := s.Source.WithServicesTransform(func(_ string, svc types.ServiceConfig) (types.ServiceConfig, error) {
		svc.EnvFiles = nil
		svc.DependsOn = presentDependencies(s.Source, svc.DependsOn)
		if svc.Build != nil {
			svc.Build = sshShortForm(svc.Build)
		}
		return svc, nil
	})
	if err != nil {
		return nil, fmt.Errorf("render project %s: %w", s.Project, err)
	}
	var out []byte
	switch format {
	case FormatJSON:
		out, err = p.MarshalJSON()
	case FormatYAML, "":
		out, err = p.MarshalYAML()
	default:
		return nil, fmt.Errorf("unknown format %q (want yaml or json)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("render project %s: %w", s.Project, err)
	}
	return bytes.ReplaceAll(out, []byte("$"), []byte("$$")), nil
}

// presentDependencies are deps but for the optional ones on services p
// does not have.
func presentDependencies(p *types.Project, deps types.DependsOnConfig) types.DependsOnConfig {
	var out types.DependsOnConfig
	for name, d := range deps {
		if _, ok := p.Services[name]; ok || d.Required {
			if out == nil {
				out = types.DependsOnConfig{}
			}
			out[name] = d
		}
	}
	return out
}
