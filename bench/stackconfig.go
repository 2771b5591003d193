package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// stackConfig is a compose project as stackctl resolves it: what `stackctl
// config --format json` prints (the compose specification's JSON, with
// secret-looking values masked), read as far as the benchmark needs it.
// Both tools run the very same file under the same project name, and
// stackctl names what it makes as Compose does, so this one resolution
// names what either tool makes.
type stackConfig struct {
	Name     string                   `json:"name"`
	Services map[string]serviceConfig `json:"services"`
	Networks map[string]objectConfig  `json:"networks"`
	Volumes  map[string]objectConfig  `json:"volumes"`
}

// objectConfig is a top-level network or volume.
type objectConfig struct {
	// Name is the engine's name of it: with the project's prefix, unless
	// the file gives one.
	Name     string `json:"name"`
	External bool   `json:"external"`
}

// serviceConfig is one service, as far as the benchmark reads it.
type serviceConfig struct {
	// Image is empty for a service that is only built: see image.
	Image         string                      `json:"image"`
	ContainerName string                      `json:"container_name"`
	Healthcheck   *healthcheckConfig          `json:"healthcheck"`
	DependsOn     map[string]dependencyConfig `json:"depends_on"`
	Ports         []portConfig                `json:"ports"`
	Environment   map[string]*string          `json:"environment"`
	// Stackctl is the service's x-stackctl extension.
	Stackctl *struct {
		Role string `json:"role"`
	} `json:"x-stackctl"`
}

type healthcheckConfig struct {
	Test    []string `json:"test"`
	Disable bool     `json:"disable"`
	// Interval is a Go duration ("10s"), empty for the engine's default.
	Interval string `json:"interval"`
}

type dependencyConfig struct {
	Condition string `json:"condition"`
}

type portConfig struct {
	HostIP    string `json:"host_ip"`
	Target    int    `json:"target"`
	Published string `json:"published"`
	Protocol  string `json:"protocol"`
}

// The depends_on conditions the benchmark tells apart.
const (
	conditionHealthy   = "service_healthy"
	conditionCompleted = "service_completed_successfully"
)

// resolveStack has stackctl (the binary at bin) resolve files as project
// with env (see configJSON).
func resolveStack(ctx context.Context, bin string, files []string, project string, env map[string]string) (*stackConfig, error) {
	out, err := configJSON(ctx, bin, files, project, env)
	if err != nil {
		return nil, err
	}
	var st stackConfig
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("read `stackctl config --format json` of %s: %w", strings.Join(files, ", "), err)
	}
	if st.Name != project {
		return nil, fmt.Errorf("`stackctl config` of %s names the project %q, want %q", strings.Join(files, ", "), st.Name, project)
	}
	return &st, nil
}

// configJSON is what `stackctl config --format json` prints of files run
// as project, with env added to this process's environment (its COMPOSE_*
// variables dropped, as for the tools: -p and -f say what runs).
func configJSON(ctx context.Context, bin string, files []string, project string, env map[string]string) ([]byte, error) {
	args := []string{"-p", project}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	cmd := exec.CommandContext(ctx, bin, append(args, "config", "--format", "json")...)
	cmd.Env = append(withoutComposeEnv(os.Environ()), envList(env)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("resolve %s as project %s with `stackctl config`: %w\n%s",
			strings.Join(files, ", "), project, err, tail(stderr.String(), 10))
	}
	return stdout.Bytes(), nil
}

// withoutComposeEnv is env without the COMPOSE_* variables, which would
// otherwise choose the project, files or profiles behind the flags' back.
func withoutComposeEnv(env []string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, "COMPOSE_") })
}

// serviceNames are the services, sorted.
func (s *stackConfig) serviceNames() []string {
	return slices.Sorted(maps.Keys(s.Services))
}

// containerName is the engine's name of a service's replica (1-based):
// its container_name, or Compose's <project>-<service>-<n>.
func (s *stackConfig) containerName(service string, replica int) string {
	if name := s.Services[service].ContainerName; name != "" {
		return name
	}
	return fmt.Sprintf("%s-%s-%d", s.Name, service, replica)
}

// image is what a service runs: its image, or for a service that is only
// built, the name both tools give the image they build, Compose's
// <project>-<service>.
func (s *stackConfig) image(service string) string {
	return cmp.Or(s.Services[service].Image, strings.ToLower(s.Name+"-"+service))
}

// healthchecked says the service declares a healthcheck the engine runs.
func (s *stackConfig) healthchecked(service string) bool {
	hc := s.Services[service].Healthcheck
	return hc != nil && !hc.Disable && len(hc.Test) > 0 && hc.Test[0] != "NONE"
}

// oneShot says the service runs to completion rather than serving: its
// x-stackctl role says so, or another service waits for it to complete,
// as stackctl and Compose both read it.
func (s *stackConfig) oneShot(service string) bool {
	if x := s.Services[service].Stackctl; x != nil && x.Role == "oneshot" {
		return true
	}
	for _, other := range s.Services {
		if d, ok := other.DependsOn[service]; ok && d.Condition == conditionCompleted {
			return true
		}
	}
	return false
}

// ownNetworks and ownVolumes are the engine names of the project's own
// networks and volumes, sorted; external ones are left out: the benchmark
// never touches those.
func (s *stackConfig) ownNetworks() []string { return ownNames(s.Networks) }
func (s *stackConfig) ownVolumes() []string  { return ownNames(s.Volumes) }

func ownNames(objects map[string]objectConfig) []string {
	var out []string
	for _, o := range objects {
		if !o.External {
			out = append(out, o.Name)
		}
	}
	slices.Sort(out)
	return out
}
