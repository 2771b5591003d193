package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
)

// metadata is what `<exe> compose metadata` says of a provider: the
// parameters of each verb. A provider that answers nothing readable has
// none, and is passed every option, as Compose passes them.
type metadata struct {
	Description string       `json:"description"`
	Up          verbMetadata `json:"up"`
	Down        verbMetadata `json:"down"`
	// Stop is run only by a provider that declares it.
	Stop *verbMetadata `json:"stop,omitempty"`
}

type verbMetadata struct {
	Parameters []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"parameters"`
}

func metadataOf(ctx context.Context, path string, env []string) metadata {
	cmd := exec.CommandContext(ctx, path, "compose", "metadata")
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	var m metadata
	if cmd.Run() != nil || json.Unmarshal(out.Bytes(), &m) != nil {
		return metadata{}
	}
	return m
}

func (m metadata) empty() bool {
	return m.Description == "" && m.Up.Parameters == nil && m.Down.Parameters == nil
}

// verb is the metadata of a verb, and whether the provider runs it.
func (m metadata) verb(name string) (verbMetadata, bool) {
	switch name {
	case Up:
		return m.Up, true
	case Down:
		return m.Down, true
	case Stop:
		if m.Stop == nil {
			return verbMetadata{}, false
		}
		return *m.Stop, true
	}
	return verbMetadata{}, false
}

func (v verbMetadata) has(name string) bool {
	for _, p := range v.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}
