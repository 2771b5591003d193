package engine

import (
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/versions"
	"github.com/stackctl/stackctl/internal/stack"
)

// missingBindSource is the engine's refusal of a mount API bind whose host
// path does not exist.
const missingBindSource = "bind source path does not exist: "

// explainMissingBindSource says why the engine found no host path for one
// of spec's binds, naming its key: a bind string's path the engine makes,
// so only a mount API bind gets here, one with create_host_path: false, a
// secret's or config's file, or, before API 1.42, a bind whose propagation or
// recursive needs the mount API, whose CreateMountpoint the engine does
// not know.
// An error of another kind, or of no bind of spec, is nil.
func explainMissingBindSource(err error, spec ContainerSpec, apiVersion string) error {
	msg := err.Error()
	i := strings.LastIndex(msg, missingBindSource)
	if i < 0 {
		return nil
	}
	source := strings.TrimSpace(msg[i+len(missingBindSource):])
	for _, m := range spec.Mounts {
		if m.Type != stack.MountBind || m.Source != source {
			continue
		}
		switch {
		case !m.BindString:
			return fmt.Errorf("container %s: mount %s: file %s does not exist: %w", spec.Name, m.Target, source, err)
		case m.NoCreateHostPath:
			return fmt.Errorf("container %s: volumes: bind %s: host path %s does not exist, and its bind.create_host_path is false: %w", spec.Name, m.Target, source, err)
		case versions.LessThan(apiVersion, "1.42"):
			return fmt.Errorf("container %s: volumes: bind %s: host path %s does not exist: the engine (API %s) makes a missing host path of a bind with bind.propagation or bind.recursive only from API 1.42 (Docker Engine 23.0): %w", spec.Name, m.Target, source, apiVersion, err)
		}
	}
	return nil
}
