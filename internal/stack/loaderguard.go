package stack

import (
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
)

// compose-go's loader applies extends before it checks a file against the
// schema, and panics on an extends.file that is no string. Such a file is
// refused before it is loaded, at its key; any other panic of the loader
// is an error that names the file, never a crash.

// checkExtendsFiles refuses a service's extends.file that is not a
// string, in any of contents.
func checkExtendsFiles(contents [][]byte) error {
	for _, c := range contents {
		var file struct {
			Services map[string]struct {
				Extends yaml.Node `yaml:"extends"`
			} `yaml:"services"`
		}
		if yaml.Unmarshal(c, &file) != nil {
			continue // compose-go reports what does not parse
		}
		for _, name := range sortedKeys(file.Services) {
			ext := file.Services[name].Extends
			if ext.Kind != yaml.MappingNode {
				continue
			}
			for i := 0; i+1 < len(ext.Content); i += 2 {
				k, v := ext.Content[i], ext.Content[i+1]
				if k.Value == "file" && (v.Kind != yaml.ScalarNode || v.Tag != "!!str") {
					return fmt.Errorf("services.%s.extends.file: want the name of a compose file, not %s", name, describeNode(v))
				}
			}
		}
	}
	return nil
}

// describeNode says what a YAML value is, for a message.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "that"
}

// loadGuarded runs load, turning a panic of compose-go's into an error.
func loadGuarded(load func() (*types.Project, error)) (p *types.Project, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("the Compose loader failed on it: %v", r)
		}
	}()
	return load()
}
