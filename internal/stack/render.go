package stack

import (
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
)

// Masked stands in for a secret's value wherever the stack is printed.
const Masked = "********"

// ConfigFormat is how `config` renders the project.
type ConfigFormat string

// The formats of Render.
const (
	FormatYAML ConfigFormat = "yaml"
	FormatJSON ConfigFormat = "json"
)

// Render prints the resolved project as compose-go renders it, with the
// values of secret-looking environment variables masked.
func (s *Stack) Render(format ConfigFormat) ([]byte, error) {
	if s.Source == nil {
		return nil, fmt.Errorf("render project %s: it was not loaded from a compose file", s.Project)
	}
	p, err := s.Source.WithServicesTransform(func(name string, svc types.ServiceConfig) (types.ServiceConfig, error) {
		svc.Environment = maskMapping(svc.Environment)
		if svc.Build != nil && len(svc.Build.Args) > 0 {
			build := *svc.Build
			build.Args = maskMapping(build.Args)
			svc.Build = &build
		}
		if svc.Build != nil && format == FormatJSON {
			svc.Build = sshAsJSON(svc.Build)
		}
		return svc, nil
	})
	if err != nil {
		return nil, fmt.Errorf("render project %s: %w", s.Project, err)
	}
	// Extension fields (x-app-env: &env ...) often hold the same values.
	p.Extensions = maskExtensions(p.Extensions)
	switch format {
	case FormatJSON:
		return p.MarshalJSON()
	case FormatYAML, "":
		return p.MarshalYAML()
	}
	return nil, fmt.Errorf("unknown format %q (want yaml or json)", format)
}

func maskExtensions(ext types.Extensions) types.Extensions {
	if ext == nil {
		return nil
	}
	out := types.Extensions{}
	for k, v := range ext {
		out[k] = maskValue(k, v)
	}
	return out
}

func maskValue(key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = maskValue(k, item)
		}
		return out
	case string:
		if secretName(key) {
			return Masked
		}
	}
	return v
}

// maskMapping copies m with the values of secret-looking names masked.
func maskMapping(m types.MappingWithEquals) types.MappingWithEquals {
	out := make(types.MappingWithEquals, len(m))
	for k, v := range m {
		if v != nil && secretName(k) {
			masked := Masked
			v = &masked
		}
		out[k] = v
	}
	return out
}
