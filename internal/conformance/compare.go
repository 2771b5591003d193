package conformance

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Difference is one field in which stackctl's state differs from
// Compose's: its path in the normalized state (containers/NAME/HostConfig/
// Init), and each side's value as JSON, "" where that side has none.
type Difference struct {
	Path              string
	Compose, Stackctl string
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: compose %s, stackctl %s", d.Path, orAbsent(d.Compose), orAbsent(d.Stackctl))
}

func orAbsent(v string) string {
	if v == "" {
		return "(absent)"
	}
	return v
}

// Present is the value of a resource that only one side has.
const Present = `"present"`

// Compare lists, in path order, the fields of two normalized states that
// differ. A resource (container, network, volume, image) only one side
// has is one difference, at its path, "present" on that side. A null, an
// empty string, list or map is the same as no field: the engine reports
// an unset field either way, depending on who set it.
func Compare(compose, stackctl map[string]any) []Difference {
	var out []Difference
	compose, stackctl = clone(compose), clone(stackctl)
	for _, kind := range sortedNames(compose) {
		x, _ := compose[kind].(map[string]any)
		y, _ := stackctl[kind].(map[string]any)
		x, y = clone(x), clone(y)
		for name := range x {
			if _, ok := y[name]; !ok {
				out = append(out, Difference{Path: kind + "/" + name, Compose: Present})
				delete(x, name)
			}
		}
		for name := range y {
			if _, ok := x[name]; !ok {
				out = append(out, Difference{Path: kind + "/" + name, Stackctl: Present})
				delete(y, name)
			}
		}
		compose[kind], stackctl[kind] = x, y
	}
	a, b := map[string]string{}, map[string]string{}
	flatten(compose, "", a)
	flatten(stackctl, "", b)
	for path, v := range a {
		if b[path] != v {
			out = append(out, Difference{Path: path, Compose: v, Stackctl: b[path]})
		}
	}
	for path, v := range b {
		if _, ok := a[path]; !ok {
			out = append(out, Difference{Path: path, Stackctl: v})
		}
	}
	slices.SortFunc(out, func(x, y Difference) int { return strings.Compare(x.Path, y.Path) })
	return out
}

// flatten writes every leaf of v into out by its path, maps by key and
// lists by index ([i]), each leaf as JSON.
func flatten(v any, at string, out map[string]string) {
	switch v := v.(type) {
	case nil:
	case map[string]any:
		for k, item := range v {
			flatten(item, at+"/"+k, out)
		}
	case []any:
		for i, item := range v {
			flatten(item, fmt.Sprintf("%s[%d]", at, i), out)
		}
	case string:
		if v != "" {
			out[strings.TrimPrefix(at, "/")] = fmt.Sprintf("%q", v)
		}
	default:
		b, _ := json.Marshal(v)
		out[strings.TrimPrefix(at, "/")] = string(b)
	}
}
