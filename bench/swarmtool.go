package bench

import (
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The two tools of the swarm comparison, each deploying its own copy of a
// stack to the same swarm: `stackctl --swarm --registry R up` on the file
// as it is, and `docker stack deploy -c` on its variant of the file (see
// swarmvariant.go).

// The tools, as the results name them.
const (
	toolStackctl    = "stackctl"
	toolStackDeploy = "stack-deploy"
)

// swarmTools are the tools, in the order the first round runs them.
var swarmTools = []string{toolStackctl, toolStackDeploy}

// labelNamespace is the label docker stack deploy puts on everything of a
// stack, valued the stack's name, the project; stackctl --swarm does the
// same. Both name a stack's services <project>_<service> (serviceName).
const labelNamespace = "com.docker.stack.namespace"

// swarmUpdateVar is the variable the update adds to web's environment,
// valued the round's number.
const swarmUpdateVar = "STACKBENCH_SWARM_UPDATE"

// swarmStack is a compose file the comparison runs, and what both tools are
// told beyond it.
type swarmStack struct {
	// Key names the stack in metric names and -swarm.stacks; Label in
	// the charts.
	Key, Label string
	Title      string
	// File is the compose file, relative to the repository.
	File string
	// Web is the service whose published port is probed and which the
	// update changes.
	Web string
	// Scale is given to stackctl with --scale and to stack deploy as
	// deploy.replicas.
	Scale map[string]int
	// Port is web's host port when the file fixes it; 0: the file takes
	// WEB_PORT, and each tool gets a free port of its own.
	Port int
	// Projects are each tool's project.
	Projects map[string]string
}

var swarmStacks = []swarmStack{
	{
		Key: "builtin", Label: "built-in", Title: "the built-in stack, web at 3 replicas",
		File: "internal/stack/builtin/compose.yaml", Web: "web", Scale: map[string]int{"web": 3},
		Projects: map[string]string{toolStackctl: "bench-sw-s", toolStackDeploy: "bench-sw-d"},
	},
	{
		Key: "day34", Label: "day-34", Title: "the seed's day-34 file as written, web on its fixed port 5000",
		File: "examples/day-34/docker-compose.yml", Web: "web", Port: 5000,
		Projects: map[string]string{toolStackctl: "bench-sw34-s", toolStackDeploy: "bench-sw34-d"},
	},
}

// SwarmStackKeys are the keys of the stacks the comparison can run.
func SwarmStackKeys() []string {
	var out []string
	for _, s := range swarmStacks {
		out = append(out, s.Key)
	}
	return out
}

// swarmCopy is one tool's copy of a stack: its project, its port, and the
// file as stackctl reads it under that project, which names what either
// tool makes on the swarm (both name services <project>_<service>).
type swarmCopy struct {
	stack   *swarmStack
	tool    *Tool
	project string
	port    int
	// file is the compose file's absolute path; env the variables both
	// tools interpolate it with.
	file string
	env  map[string]string
	// config is the file as stackctl resolves it under the copy's project.
	config *stackConfig
	// dir holds the files written for this copy: stackctl's override, or
	// stack deploy's variant.
	dir string
	// variant is what stack deploy's variant replaces (stack deploy only).
	variant variantOptions
}

// newSwarmCopy sets up tool's copy of s, its files under workspace.
func newSwarmCopy(ctx context.Context, cfg SwarmConfig, registry string, s *swarmStack, tool, workspace string) (*swarmCopy, error) {
	c := &swarmCopy{stack: s, project: s.Projects[tool], file: filepath.Join(cfg.RepoDir, s.File), port: s.Port}
	c.dir = filepath.Join(workspace, c.project)
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, err
	}
	c.env = map[string]string{}
	if s.Port == 0 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		c.port = port
		c.env = builtinEnv(cfg.RepoDir, filepath.Join(cfg.RepoDir, "app"), port)
	}
	st, err := resolveStack(ctx, cfg.StackctlBin, []string{c.file}, c.project, c.env)
	if err != nil {
		return nil, err
	}
	if _, ok := st.Services[s.Web]; !ok {
		return nil, fmt.Errorf("%s has no service %s", c.file, s.Web)
	}
	for svc := range s.Scale {
		if _, ok := st.Services[svc]; !ok {
			return nil, fmt.Errorf("%s has no service %s to scale", c.file, svc)
		}
	}
	c.config = st
	c.tool = &Tool{Name: tool, Project: c.project, Port: c.port, env: envList(c.env), scrubComposeEnv: true}
	switch tool {
	case toolStackctl:
		c.tool.Version = "built from this checkout (" + cfg.StackctlBin + ")"
		c.tool.argv = []string{cfg.StackctlBin, "--swarm", "--registry", registry, "-p", c.project, "-f", c.file, "--progress", "json"}
		c.tool.events = true
	case toolStackDeploy:
		version, err := dockerCLIVersion(ctx)
		if err != nil {
			return nil, err
		}
		c.tool.Version = "docker " + version
		c.tool.argv = []string{"docker", "stack"}
		c.variant = variantOptions{Replicas: s.Scale}
	default:
		return nil, fmt.Errorf("no tool %q", tool)
	}
	return c, nil
}

// dockerCLIVersion is the docker CLI's own version.
func dockerCLIVersion(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Client.Version}}").Output()
	if err != nil {
		return "", fmt.Errorf("run the docker CLI (docker stack deploy is what stackctl is compared with): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// scaleArgs are stackctl's --scale flags for the stack's Scale.
func (c *swarmCopy) scaleArgs() []string {
	var out []string
	for _, svc := range slices.Sorted(maps.Keys(c.stack.Scale)) {
		out = append(out, "--scale", svc+"="+strconv.Itoa(c.stack.Scale[svc]))
	}
	return out
}

// deploy deploys the copy from nothing: stackctl's `up` on the file, or
// `docker stack deploy` on the variant.
func (c *swarmCopy) deploy(ctx context.Context) (Invocation, error) {
	if c.tool.Name == toolStackctl {
		return c.tool.run(ctx, append([]string{"up"}, c.scaleArgs()...))
	}
	return c.stackDeploy(ctx, nil)
}

// update changes web's environment (swarmUpdateVar=n) and deploys again:
// stackctl with an override file as a second -f, stack deploy with its
// variant carrying the same variable.
func (c *swarmCopy) update(ctx context.Context, n int) (Invocation, error) {
	env := map[string]string{swarmUpdateVar: strconv.Itoa(n)}
	if c.tool.Name == toolStackDeploy {
		return c.stackDeploy(ctx, map[string]map[string]string{c.stack.Web: env})
	}
	override := filepath.Join(c.dir, "update.yaml")
	text := fmt.Sprintf("# Written by the swarm benchmark: the update changes %s's environment only.\n"+
		"services:\n  %s:\n    environment:\n      %s: %q\n", c.stack.Web, c.stack.Web, swarmUpdateVar, strconv.Itoa(n))
	if err := os.WriteFile(override, []byte(text), 0o644); err != nil {
		return Invocation{}, err
	}
	return c.tool.run(ctx, append([]string{"-f", override, "up"}, c.scaleArgs()...))
}

// stackDeploy writes the variant, with env added, and deploys it.
func (c *swarmCopy) stackDeploy(ctx context.Context, env map[string]map[string]string) (Invocation, error) {
	path, _, err := c.writeVariant(env)
	if err != nil {
		return Invocation{}, err
	}
	return c.tool.run(ctx, []string{"deploy", "-c", path, c.project})
}

// writeVariant writes stack deploy's variant of the file and returns its
// path and what it changed.
func (c *swarmCopy) writeVariant(env map[string]map[string]string) (string, []string, error) {
	src, err := os.ReadFile(c.file)
	if err != nil {
		return "", nil, err
	}
	opts := c.variant
	opts.Env = env
	out, changes, err := stackDeployVariant(src, opts)
	if err != nil {
		return "", nil, fmt.Errorf("stack deploy's variant of %s: %w", c.file, err)
	}
	header := fmt.Sprintf("# docker stack deploy's variant of %s, written by the swarm benchmark:\n# the same file but for what stack deploy rejects or ignores (bench/swarmvariant.go).\n", c.stack.File)
	path := filepath.Join(c.dir, "compose.yaml")
	if err := os.WriteFile(path, append([]byte(header), out...), 0o644); err != nil {
		return "", nil, err
	}
	return path, changes, nil
}

// teardown removes the copy with the tool's own command: stackctl's `down
// -v`, or `docker stack rm`, which leaves the volumes (see clearSwarmCopy).
func (c *swarmCopy) teardown(ctx context.Context) (Invocation, error) {
	if c.tool.Name == toolStackctl {
		return c.tool.run(ctx, []string{"down", "-v"})
	}
	return c.tool.run(ctx, []string{"rm", c.project})
}

// serviceName is the swarm's name of a service of the copy: both tools
// name it <project>_<service>.
func (c *swarmCopy) serviceName(service string) string { return c.project + "_" + service }

// urls are web's published port on every node, as this machine reaches it.
func (c *swarmCopy) urls(nodes []SwarmNode) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = "http://" + net.JoinHostPort(n.Addr, strconv.Itoa(c.port)) + "/"
	}
	return out
}

// ignoredOptions are what docker stack deploy said it ignores of the file:
// "Ignoring unsupported options: a, b" on one line, and "Ignoring
// deprecated options:" followed by a blank line and one "key: reason"
// line each.
func ignoredOptions(output string) []string {
	var out []string
	deprecated := false
	for line := range strings.Lines(output) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Ignoring deprecated options"):
			deprecated = true
		case strings.HasPrefix(line, "Ignoring"):
			out = append(out, line)
		case deprecated && line != "":
			out = append(out, "Ignoring deprecated option "+line)
		case deprecated && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "Ignoring deprecated option "):
			deprecated = false // the blank line after the list
		}
	}
	return out
}
