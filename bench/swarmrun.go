package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// The swarm comparison: stackctl --swarm against docker stack deploy, on
// the same swarm and the same compose files. For each stack, round and
// tool, from nothing of the tool's project: deploy, and time the first 200
// through web's published port and the command's return; read from the
// swarm's tasks whether web started before its dependencies were ready;
// update web's environment under a client loop and count what failed;
// tear down. The swarm itself is the caller's (BenchmarkSwarm makes one
// with enginetest.Swarm); this file has no part in making it.

// SwarmConfig says what the swarm comparison runs.
type SwarmConfig struct {
	// RepoDir is the repository root; StackctlBin the binary under test.
	RepoDir     string
	StackctlBin string
	// Rounds is how many times each tool deploys each stack.
	Rounds int
	// Stacks are the keys of the stacks to run (SwarmStackKeys); none: all.
	Stacks []string
	// Log receives progress lines.
	Log io.Writer
}

// SwarmTarget is the swarm to run on.
type SwarmTarget struct {
	// Manager is a client of the manager's engine, which both tools talk to.
	Manager *client.Client
	// Registry is the registry every node pulls from, HOST:PORT.
	Registry string
	// Nodes are the swarm's nodes, the manager (whose engine Manager is)
	// first.
	Nodes []SwarmNode
	// Push pushes a local image of the manager's engine to the registry as
	// name and returns its reference by digest.
	Push func(ctx context.Context, ref, name string) (string, error)
}

// SwarmNode is one node of the swarm.
type SwarmNode struct {
	ID, Name string
	// Role is manager or worker.
	Role string
	// Addr is where this machine reaches the ports the node publishes.
	Addr string
	// Engine is a client of the node's own engine, where its volumes live.
	Engine *client.Client
}

// Bounds of the swarm comparison's steps, generous for a loaded 2-core
// machine running three engines.
const (
	swarmDeployTimeout   = 5 * time.Minute
	swarmSettleTimeout   = 3 * time.Minute
	swarmUpdateTimeout   = 5 * time.Minute
	swarmTeardownTimeout = 3 * time.Minute
	swarmPoll            = 100 * time.Millisecond
)

type swarmRunner struct {
	cfg    SwarmConfig
	target SwarmTarget
	probe  *http.Client
	// copies are every stack's copies, the stackctl one first.
	copies [][]*swarmCopy
	report *Report
}

// RunSwarm runs the swarm comparison on target and returns what it
// measured; the report holds whatever was measured even when it fails
// part way. Everything of the tools' projects is removed before it
// returns, also when ctx is cancelled.
func RunSwarm(ctx context.Context, cfg SwarmConfig, target SwarmTarget) (*Report, error) {
	if cfg.Rounds < 1 {
		return nil, fmt.Errorf("rounds %d: want at least 1", cfg.Rounds)
	}
	if len(target.Nodes) == 0 || target.Manager == nil || target.Registry == "" || target.Push == nil {
		return nil, errors.New("the swarm target needs a manager, its nodes, a registry and a way to push to it")
	}
	stacks, err := selectSwarmStacks(cfg.Stacks)
	if err != nil {
		return nil, err
	}
	engine, err := describeEngine(ctx, target.Manager)
	if err != nil {
		return nil, err
	}
	r := &swarmRunner{cfg: cfg, target: target, probe: newProbeClient(), report: &Report{
		Started: time.Now(), Rounds: cfg.Rounds, Tools: map[string]ToolInfo{}, Machine: readMachine(),
		Engine: engine + ", swarm manager",
		Swarm:  &SwarmReport{Registry: target.Registry},
	}}
	for _, n := range target.Nodes {
		r.report.Swarm.Nodes = append(r.report.Swarm.Nodes, SwarmNodeInfo{ID: n.ID, Name: n.Name, Role: n.Role, Addr: n.Addr})
	}
	stopLoad := sampleLoad(r.report.Machine)
	defer r.report.finish()
	defer stopLoad()

	workspace, err := os.MkdirTemp("", "stackbench-swarm-")
	if err != nil {
		return r.report, fmt.Errorf("make a workspace: %w", err)
	}
	defer os.RemoveAll(workspace)
	for _, s := range stacks {
		if err := r.setUp(ctx, s, workspace); err != nil {
			r.fail(0, "", fmt.Errorf("%s: %w", s.Key, err))
		}
	}
	defer r.cleanup(ctx)
	if len(r.copies) == 0 {
		return r.report, errors.New("no stack could be set up")
	}
	for round := 1; round <= cfg.Rounds && ctx.Err() == nil; round++ {
		for _, copies := range r.copies {
			for _, c := range inTurn(copies, round) {
				if ctx.Err() != nil {
					break
				}
				if err := r.cycle(ctx, round, c); err != nil && ctx.Err() == nil {
					r.fail(round, c.tool.Name, fmt.Errorf("%s: %w", c.stack.Key, err))
				}
			}
		}
	}
	return r.report, ctx.Err()
}

func selectSwarmStacks(keys []string) ([]*swarmStack, error) {
	var out []*swarmStack
	for i := range swarmStacks {
		if len(keys) == 0 || slices.Contains(keys, swarmStacks[i].Key) {
			out = append(out, &swarmStacks[i])
		}
	}
	for _, k := range keys {
		if !slices.Contains(SwarmStackKeys(), k) {
			return nil, fmt.Errorf("no stack %q: the stacks are %s", k, strings.Join(SwarmStackKeys(), ", "))
		}
	}
	return out, nil
}

// setUp makes both tools' copies of s, clears whatever an earlier run left
// of their projects, builds the images stackctl would build and pushes
// every image, so stack deploy's variant names them by digest.
func (r *swarmRunner) setUp(ctx context.Context, s *swarmStack, workspace string) error {
	if s.Port != 0 {
		// The manager publishes on the host itself: a port someone else
		// holds would fail the task that lands there.
		l, err := net.Listen("tcp", fmt.Sprintf(":%d", s.Port))
		if err != nil {
			return fmt.Errorf("the file publishes port %d, which is taken on this machine (the manager): %w", s.Port, err)
		}
		_ = l.Close()
	}
	var copies []*swarmCopy
	for _, tool := range swarmTools {
		c, err := newSwarmCopy(ctx, r.cfg, r.target.Registry, s, tool, workspace)
		if err != nil {
			return err
		}
		r.report.Tools[tool] = ToolInfo{Version: c.tool.Version}
		copies = append(copies, c)
	}
	for _, c := range copies {
		if err := r.clear(ctx, 0, c); err != nil {
			return fmt.Errorf("clear what an earlier run left of %s: %w", c.project, err)
		}
	}
	images, pushed, err := r.publishImages(ctx, copies[0])
	if err != nil {
		return err
	}
	if err := r.pullEverywhere(ctx, pushed); err != nil {
		return err
	}
	copies[1].variant.Images = images
	_, changes, err := copies[1].writeVariant(nil)
	if err != nil {
		return err
	}
	info := SwarmStackInfo{
		Key: s.Key, Title: s.Title, File: s.File, Web: s.Web, Scale: s.Scale, Images: images, Variant: changes,
		Projects: map[string]string{}, Ports: map[string]int{}, Commands: map[string]string{},
	}
	for _, c := range copies {
		info.Projects[c.tool.Name] = c.project
		info.Ports[c.tool.Name] = c.port
	}
	info.Commands[toolStackctl] = strings.Join(slices.Concat(copies[0].tool.argv, []string{"up"}, copies[0].scaleArgs()), " ")
	info.Commands[toolStackDeploy] = fmt.Sprintf("docker stack deploy -c %s/compose.yaml %s (its variant of the file, below)", copies[1].dir, copies[1].project)
	r.report.Swarm.Stacks = append(r.report.Swarm.Stacks, info)
	r.copies = append(r.copies, copies)
	r.logf("%s: stackctl as %s on port %d, stack deploy as %s on port %d", s.Key, copies[0].project, copies[0].port, copies[1].project, copies[1].port)
	return nil
}

// publishImages builds the images of the stackctl copy's services that
// have a build section (`stackctl build`) and pushes every image the stack
// runs to the registry: the references by digest, by service. It pushes
// stackctl's edge image as well, whether or not the stack runs an edge:
// stackctl's `up` pushes what it runs again, and finds all of it there.
func (r *swarmRunner) publishImages(ctx context.Context, c *swarmCopy) (map[string]string, []string, error) {
	r.logf("%s: building with `stackctl build` and pushing the images to %s", c.stack.Key, r.target.Registry)
	if _, err := c.tool.run(ctx, []string{"build"}); err != nil {
		return nil, nil, fmt.Errorf("build the images: %w", err)
	}
	byService := map[string]string{}
	byImage := map[string]string{}
	push := func(image string) (string, error) {
		if ref, ok := byImage[image]; ok {
			return ref, nil
		}
		// The stacks' images are named without a registry (postgres:15,
		// bench-sw-s-app:latest): the same name in the registry is the
		// one stackctl pushes to.
		ref, err := r.target.Push(ctx, image, image)
		if err != nil {
			return "", fmt.Errorf("push %s: %w", image, err)
		}
		byImage[image] = ref
		return ref, nil
	}
	for _, svc := range c.config.serviceNames() {
		ref, err := push(c.config.image(svc))
		if err != nil {
			return nil, nil, err
		}
		byService[svc] = ref
	}
	if _, err := push(edgeImage); err != nil {
		return nil, nil, err
	}
	return byService, slices.Collect(maps.Values(byImage)), nil
}

// pullEverywhere pulls every image by digest onto every node that is not
// the manager (which has them: it pushed them), so that no deploy, of
// either tool, pays for a node's first pull: the comparison is of the
// tools, not of the registry.
func (r *swarmRunner) pullEverywhere(ctx context.Context, refs []string) error {
	refs = slices.Compact(slices.Sorted(slices.Values(refs)))
	r.logf("pulling %d images onto every worker", len(refs))
	for _, n := range r.target.Nodes[1:] {
		for _, ref := range refs {
			if err := pullImage(ctx, n.Engine, ref); err != nil {
				return fmt.Errorf("pull onto %s: %w", n.Name, err)
			}
		}
	}
	return nil
}

// cycle is one round of one tool on one stack, from nothing to nothing.
// The order row is read last, from timestamps that do not change: by then
// a one-shot that stack deploy started beside everything else has had
// time to finish.
func (r *swarmRunner) cycle(ctx context.Context, round int, c *swarmCopy) error {
	r.logf("round %d/%d  %s on %s: deploy", round, r.cfg.Rounds, c.tool.Name, c.stack.Key)
	began, err := r.measureDeploy(ctx, round, c)
	deployed := err == nil
	if err == nil {
		err = r.settle(ctx, c)
	}
	if err == nil {
		r.logf("round %d/%d  %s on %s: update under the client loop", round, r.cfg.Rounds, c.tool.Name, c.stack.Key)
		err = r.measureUpdate(ctx, round, c)
	}
	if deployed {
		err = errors.Join(err, r.orderRow(ctx, round, c, began))
	}
	// Torn down in any case, so the next deploy starts from nothing.
	return errors.Join(err, r.clear(ctx, round, c))
}

// cleanup removes everything of every copy, with its own deadline: it runs
// after Ctrl-C too.
func (r *swarmRunner) cleanup(parent context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), 2*swarmTeardownTimeout)
	defer cancel()
	for _, copies := range r.copies {
		for _, c := range copies {
			if err := r.clear(ctx, 0, c); err != nil {
				r.fail(0, c.tool.Name, fmt.Errorf("clean up %s: %w", c.project, err))
			}
		}
	}
}

// stackInfo is the report's entry of the stack with key.
func (r *swarmRunner) stackInfo(key string) *SwarmStackInfo {
	for i := range r.report.Swarm.Stacks {
		if r.report.Swarm.Stacks[i].Key == key {
			return &r.report.Swarm.Stacks[i]
		}
	}
	return nil
}

func (r *swarmRunner) record(s Sample) {
	r.report.Samples = append(r.report.Samples, s)
	r.logf("round %d/%d  %-12s  %-36s %s", s.Round, r.cfg.Rounds, s.Tool, s.Metric, s.valueText())
}

func (r *swarmRunner) fail(round int, tool string, err error) {
	r.logf("error: %s", r.report.addError(round, tool, err))
}

func (r *swarmRunner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "swarmbench: "+format+"\n", args...)
	}
}
