package stack

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Some of compose-go's refusals name the value they refuse and not the key
// it is at (a port parsed by the engine's library, a cycle, a file that is
// not there). locateKey finds that key in the files as written, so the
// message says where to look; a value it cannot find (one that came from
// a variable) leaves the message as compose-go gave it.

// keylessErrors are those refusals: what names the value, and the key the
// value is found under.
var keylessErrors = []struct {
	value *regexp.Regexp // its first group is the value
	under string         // a key on the path to the value
	// base: the value is a path, the scalar's from the project directory
	// or ending in its last element; part: the
	// value is one of the scalar's parts (ip:host:container/protocol);
	// first: the scalar is the first of a list, and not one of the
	// words the message lists; empty: the scalar is an empty item of a
	// list; else the scalar holds the value.
	base, part, first, empty bool
}{
	{value: regexp.MustCompile(`^invalid empty volume spec()$`), under: "volumes", empty: true},
	{value: regexp.MustCompile(`^invalid spec: (.+): `), under: "volumes"},
	{value: regexp.MustCompile(`invalid (?:containerPort|hostPort): (.+)$`), under: "ports", part: true},
	{value: regexp.MustCompile(`invalid IP address: (.+)$`), under: "ports"},
	{value: regexp.MustCompile(`^invalid ssh key "(.*)"$`), under: "ssh"},
	{value: regexp.MustCompile(`confusing device mapping, please use long syntax: (.+)$`), under: "devices"},
	{value: regexp.MustCompile(`^env file (.+) not found: `), under: "env_file", base: true},
	{value: regexp.MustCompile(`^failed to read (.+?): `), under: "env_file", base: true},
	{value: regexp.MustCompile(`^open (.+): no such file or directory$`), under: "extends", base: true},
	{value: regexp.MustCompile(`^healthcheck\.test must start either by "CMD", "CMD-SHELL" or "NONE"()`), under: "test", first: true},
}

var dependencyCycle = regexp.MustCompile(`^dependency cycle detected: ([^ ]+) -> `)

// locateKey returns err with the key path of the value it names in front,
// when err names no key and the value is written in one of contents; dir
// is the project directory, that relative paths are from.
func locateKey(err error, contents [][]byte, dir string) error {
	msg := err.Error()
	if m := dependencyCycle.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("services.%s.depends_on: %w", m[1], err)
	}
	if strings.HasPrefix(msg, `invalid mount config for type "bind": field Source must not be empty`) {
		for _, c := range contents {
			if at, ok := bindWithoutSource(c); ok {
				return fmt.Errorf("%s: %w", at, err)
			}
		}
	}
	for _, k := range keylessErrors {
		m := k.value.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		match := func(at, s string) bool { return strings.Contains(s, m[1]) }
		switch {
		case k.empty:
			match = func(at, s string) bool { return strings.HasSuffix(at, "]") && s == "" }
		case k.first:
			match = func(at, s string) bool {
				return strings.HasSuffix(at, "[0]") && !strings.Contains(m[0], strconv.Quote(s))
			}
		case k.base:
			match = func(at, s string) bool {
				abs := s
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(dir, s)
				}
				return filepath.Clean(abs) == filepath.Clean(m[1]) || strings.HasSuffix(s, filepath.Base(m[1]))
			}
		case k.part:
			match = func(at, s string) bool {
				return slices.Contains(strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '/' }), m[1])
			}
		}
		for _, c := range contents {
			var doc yaml.Node
			if yaml.Unmarshal(c, &doc) != nil {
				continue
			}
			if at, ok := findScalar(&doc, "", false, k.under, match); ok {
				return fmt.Errorf("%s: %w", at, err)
			}
		}
	}
	return err
}

// bindWithoutSource is the path of the first bind mount written with no
// source: services.web.volumes[0].
func bindWithoutSource(content []byte) (string, bool) {
	var file struct {
		Services map[string]struct {
			Volumes []yaml.Node `yaml:"volumes"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal(content, &file) != nil {
		return "", false
	}
	for _, name := range sortedKeys(file.Services) {
		for i, v := range file.Services[name].Volumes {
			var long struct{ Type, Source string }
			if v.Kind == yaml.MappingNode && v.Decode(&long) == nil && long.Type == "bind" && long.Source == "" {
				return fmt.Sprintf("services.%s.volumes[%d]", name, i), true
			}
		}
	}
	return "", false
}

// findScalar is the path of the first scalar under n, below a key named
// under, that match accepts.
func findScalar(n *yaml.Node, at string, below bool, under string, match func(at, s string) bool) (string, bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := findScalar(c, at, below, under, match); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			p := key
			if at != "" {
				p = at + "." + key
			}
			if found, ok := findScalar(n.Content[i+1], p, below || key == under, under, match); ok {
				return found, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := findScalar(c, fmt.Sprintf("%s[%d]", at, i), below, under, match); ok {
				return p, true
			}
		}
	case yaml.ScalarNode:
		if below && match(at, strings.TrimSpace(n.Value)) {
			return at, true
		}
	}
	return "", false
}
