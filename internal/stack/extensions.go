package stack

import (
	"fmt"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// Extension is the key under which a compose file says what Compose
// cannot express. Docker Compose ignores it.
const Extension = "x-stackctl"

// roleOneShot marks a service that runs to completion.
const roleOneShot = "oneshot"

// serviceX is a service's x-stackctl:
//
//	readiness: ["CMD", ...]     a probe that passes once the service can serve
//	edge: auto | always | never  when it runs behind the edge load balancer
//	role: oneshot | service      a task that runs to completion, or a server
type serviceX struct {
	Readiness []string
	Edge      EdgeMode
	Role      string
}

// volumeX is a volume's x-stackctl:
//
//	single_writer: true   only one container may write it (no scaling)
type volumeX struct {
	SingleWriter bool
}

func serviceExtension(ext types.Extensions) (serviceX, error) {
	var x serviceX
	m, err := extensionMap(ext)
	if err != nil || m == nil {
		return x, err
	}
	for _, key := range sortedKeys(m) {
		v := m[key]
		at := Extension + "." + key
		switch key {
		case "readiness":
			test, err := stringList(v)
			if err != nil || len(test) == 0 {
				return x, fmt.Errorf("%s: want a command as a list, like [\"CMD\", \"/app\", \"ready\"]", at)
			}
			switch test[0] {
			case "CMD":
				test = test[1:]
			case "CMD-SHELL":
				test = append([]string{"/bin/sh", "-c"}, test[1:]...)
			}
			if len(test) == 0 {
				return x, fmt.Errorf("%s: the command is empty", at)
			}
			x.Readiness = test
		case "edge":
			s, _ := v.(string)
			switch EdgeMode(s) {
			case EdgeAuto, EdgeAlways:
				x.Edge = EdgeMode(s)
			case "never":
				x.Edge = EdgeNever
			default:
				return x, fmt.Errorf("%s: %v: want auto, always or never", at, v)
			}
		case "role":
			s, _ := v.(string)
			if s != roleOneShot && s != "service" {
				return x, fmt.Errorf("%s: %v: want oneshot or service", at, v)
			}
			x.Role = s
		default:
			return x, fmt.Errorf("%s: unknown key (known: readiness, edge, role)", at)
		}
	}
	return x, nil
}

func volumeExtension(ext types.Extensions) (volumeX, error) {
	var x volumeX
	m, err := extensionMap(ext)
	if err != nil || m == nil {
		return x, err
	}
	for _, key := range sortedKeys(m) {
		at := Extension + "." + key
		switch key {
		case "single_writer":
			b, ok := m[key].(bool)
			if !ok {
				return x, fmt.Errorf("%s: want true or false", at)
			}
			x.SingleWriter = b
		default:
			return x, fmt.Errorf("%s: unknown key (known: single_writer)", at)
		}
	}
	return x, nil
}

// extensionMap returns the x-stackctl mapping, nil when there is none.
// Other x- keys are Compose's extension fields, free for anyone's use.
func extensionMap(ext types.Extensions) (map[string]any, error) {
	raw, ok := ext[Extension]
	if !ok || raw == nil {
		return nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a mapping", Extension)
	}
	return m, nil
}

func stringList(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list")
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("not a list of strings")
		}
		out = append(out, s)
	}
	return slices.Clip(out), nil
}
