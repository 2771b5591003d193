package bench

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/mount"
)

// The growth suite: what an up costs as the stack grows. For each size in
// GrowthSizes the benchmark writes a compose file of that many redis:7
// services, each with a healthcheck (`redis-cli ping` every 10 s): about
// half of them a chain, each link waiting for the one before to be healthy,
// the others fanned off the chain, each waiting for one link. Both tools
// run each file in a project of their own and, per size: up from nothing
// until every service is healthy (cold up), up again once the engine has
// found everything healthy (no-op up), then down -v. Every up also gives
// the tool's peak memory: the largest resident set of its process, read
// by bench/cmd/maxrss, which the tools run under.

// SuiteGrowth is the growth suite.
const SuiteGrowth = "growth"

// DefaultGrowthSizes are the numbers of services the growth suite runs.
var DefaultGrowthSizes = []int{1, 5, 10, 20, 40}

// maxGrowthSize bounds a size given on the command line: 40 redis
// containers are fine on the 2-core, 24 GiB machine this runs on; many
// more would not be a measurement of the tool any more.
const maxGrowthSize = 100

// growthNoopRepeats is how many no-op ups a round times at each size. One
// is a poor sample on a small machine where the stack's own healthchecks
// (four execs a second at 40 services) land at random beside it.
const growthNoopRepeats = 3

// growthTargetSize is the size the targets for no-op up and memory
// are judged at.
const growthTargetSize = 40

// The targets for the growth suite.
const (
	growthSlopeRatio = 0.5
	growthNoopTarget = 100 * time.Millisecond
	growthRSSTarget  = 40.0 // MiB
)

// Metric bases of the growth suite; each sample's metric is the base and
// the size (growthMetric), and its Services field the size.
const (
	metricGrowthColdUp  = "growth-cold-up"
	metricGrowthNoopUp  = "growth-noop-up"
	metricGrowthColdRSS = "growth-cold-up-rss"
	metricGrowthNoopRSS = "growth-noop-up-rss"
)

func growthMetric(base string, services int) string {
	return base + "-" + strconv.Itoa(services)
}

// The growth file's healthcheck, the same for every service: what a team
// would write for redis, probed by the engine every 10 s.
const (
	growthImage          = "redis:7"
	growthHealthInterval = 10 * time.Second
)

// growthChainLength is how many of n services form the chain: half,
// rounded up, so one service is a chain of one.
func growthChainLength(n int) int { return (n + 1) / 2 }

// GrowthCompose is the compose file of n services: chain-01 ... chain-C,
// each chain-k (k > 1) waiting for chain-(k-1) to be healthy, and fan-01 ...
// fan-F (F = n - C), fan-j waiting for chain-j to be healthy. The longest
// path of health gates is C links (C+1 with a fan off the last link).
func GrowthCompose(n int) []byte {
	chain := growthChainLength(n)
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by stackbench's growth suite: %d %s services, %d in a chain of\n", n, growthImage, chain)
	fmt.Fprintf(&b, "# health-gated dependencies and %d fanned off it, fan-j waiting for chain-j.\n", n-chain)
	b.WriteString("# Every healthcheck runs every 10 s. Nothing is published on the host.\n")
	b.WriteString("services:\n")
	service := func(name, dependsOn string) {
		fmt.Fprintf(&b, "  %s:\n    image: %s\n", name, growthImage)
		b.WriteString("    healthcheck:\n")
		b.WriteString("      test: [\"CMD\", \"redis-cli\", \"ping\"]\n")
		fmt.Fprintf(&b, "      interval: %s\n", growthHealthInterval)
		b.WriteString("      timeout: 3s\n      retries: 5\n")
		if dependsOn != "" {
			fmt.Fprintf(&b, "    depends_on:\n      %s:\n        condition: service_healthy\n", dependsOn)
		}
	}
	for k := 1; k <= chain; k++ {
		prev := ""
		if k > 1 {
			prev = growthName("chain", k-1)
		}
		service(growthName("chain", k), prev)
	}
	for j := 1; j <= n-chain; j++ {
		service(growthName("fan", j), growthName("chain", j))
	}
	return []byte(b.String())
}

func growthName(kind string, i int) string { return fmt.Sprintf("%s-%02d", kind, i) }

// ParseGrowthSizes reads a comma-separated list of stack sizes, each from 1
// to maxGrowthSize, sorted and without repeats; empty is
// DefaultGrowthSizes.
func ParseGrowthSizes(list string) ([]int, error) {
	var sizes []int
	for field := range strings.SplitSeq(list, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < 1 || n > maxGrowthSize {
			return nil, fmt.Errorf("stack size %q: want a number of services from 1 to %d", field, maxGrowthSize)
		}
		if !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
	}
	if len(sizes) == 0 {
		return slices.Clone(DefaultGrowthSizes), nil
	}
	slices.Sort(sizes)
	return sizes, nil
}

// growthStack is one size of the growth suite: its file and both tools,
// each in its own project.
type growthStack struct {
	services int
	file     string
	tools    []*Tool
}

// growthProject names a tool's project for one size: the tool's prefix
// and the size, e.g. bench-gs-40.
func growthProject(prefix string, services int) string {
	return prefix + "-" + strconv.Itoa(services)
}

// Bounds of the growth suite's steps. A cold up through a chain of health
// gates costs Compose an interval (10 s) per link, so the bound grows with
// the stack: 13 minutes at 40 services.
func growthUpTimeout(services int) time.Duration {
	return 3*time.Minute + time.Duration(services)*15*time.Second
}

func growthSettleTimeout(services int) time.Duration {
	return time.Minute + time.Duration(services)*time.Second
}

// setUpGrowth writes each size's file into the workspace and binds both
// tools to it, each in its own project; nothing is published on the host.
func (r *Runner) setUpGrowth(ctx context.Context, workspace string) error {
	if _, err := r.eng.ImageInspect(ctx, growthImage); err != nil {
		return fmt.Errorf("image %s must be present for the growth suite (the benchmark never pulls; `make images`): %w", growthImage, err)
	}
	wrapper, err := buildMaxRSS(ctx, r.cfg.RepoDir, workspace)
	if err != nil {
		return err
	}
	for _, n := range r.cfg.GrowthSizes {
		dir := filepath.Join(workspace, fmt.Sprintf("growth-%02d", n))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		file := filepath.Join(dir, "compose.yaml")
		if err := os.WriteFile(file, GrowthCompose(n), 0o644); err != nil {
			return fmt.Errorf("write the growth suite's file of %d services: %w", n, err)
		}
		stackctl, err := NewStackctl(ctx, r.cfg.StackctlBin, StackSetup{ComposeFile: file, Project: growthProject(r.cfg.GrowthStackctlProject, n)})
		if err != nil {
			return fmt.Errorf("the growth suite: %w", err)
		}
		compose, err := NewCompose(ctx, r.cfg.StackctlBin, StackSetup{ComposeFile: file, Project: growthProject(r.cfg.GrowthComposeProject, n)})
		if err != nil {
			return fmt.Errorf("the growth suite: %w", err)
		}
		stackctl.rssWrapper, compose.rssWrapper = wrapper, wrapper
		if len(stackctl.Names.Containers) != n {
			return fmt.Errorf("the growth file of %d services has %d containers", n, len(stackctl.Names.Containers))
		}
		r.growth = append(r.growth, &growthStack{services: n, file: file, tools: []*Tool{stackctl, compose}})
	}
	compose := r.growth[0].tools[1]
	how := "`up -d --wait`"
	if !compose.WaitsForHealth {
		how = "`up -d`, then the engine's health polled until every service is healthy"
	}
	for _, t := range r.growth[0].tools {
		info := r.report.Tools[t.Name]
		info.Version = t.Version
		r.report.Tools[t.Name] = info
	}
	r.logf("growth: %v services, projects %s-N (stackctl) and %s-N (compose, %s)",
		r.cfg.GrowthSizes, r.cfg.GrowthStackctlProject, r.cfg.GrowthComposeProject, how)
	return nil
}

func (r *Runner) growthTools() []*Tool {
	var out []*Tool
	for _, g := range r.growth {
		out = append(out, g.tools...)
	}
	return out
}

// prepareGrowth clears what an interrupted earlier run of the same projects
// may have left, so each first up starts from nothing.
func (r *Runner) prepareGrowth(ctx context.Context) error {
	r.logf("preparing the growth suite: down -v for its %d projects", 2*len(r.growth))
	for _, t := range r.growthTools() {
		if _, err := t.Down(ctx, true); err != nil {
			return fmt.Errorf("clear %s's previous stack %s: %w", t.Name, t.Project, err)
		}
	}
	return nil
}

// growthRound runs every size once for each tool, smallest first, taking
// turns.
func (r *Runner) growthRound(ctx context.Context, round int) {
	for _, g := range r.growth {
		for _, t := range inTurn(g.tools, round) {
			if ctx.Err() != nil {
				return
			}
			if err := r.growthCycle(ctx, round, g, t); err != nil {
				if ctx.Err() != nil {
					return
				}
				r.fail(round, t.Name, fmt.Errorf("growth, %d services: %w", g.services, err))
				r.reset(ctx, t)
			}
		}
	}
}

// growthCycle: up from nothing until every service is healthy, up again
// once settled, down -v; checks that nothing of the project is left,
// anonymous volumes included.
func (r *Runner) growthCycle(ctx context.Context, round int, g *growthStack, t *Tool) error {
	left, err := leftovers(ctx, r.eng, t.resources())
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("up from nothing: %v already exist", left)
	}
	n := g.services
	upCtx, cancel := context.WithTimeout(ctx, growthUpTimeout(n))
	defer cancel()

	// Cold up.
	run, took, note, err := r.upUntilHealthy(upCtx, t, n)
	cancel()
	if err != nil {
		return fmt.Errorf("cold up: %w", err)
	}
	if err := r.checkRunning(ctx, t); err != nil {
		return fmt.Errorf("after the cold up: %w", err)
	}
	if err := r.noteAnonymousVolumes(ctx, t); err != nil {
		return err
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: growthMetric(metricGrowthColdUp, n), Services: n,
		Value: took.Seconds(), Unit: unitSeconds, Note: note, Timeline: timeline(run.Began, run.Events)})
	r.recordRSS(round, t, growthMetric(metricGrowthColdRSS, n), n, run)

	// No-op up, once the engine's own healthchecks found every service
	// healthy: the same command, with nothing to do, growthNoopRepeats
	// times in a row.
	if err := r.waitHealthy(ctx, t, growthSettleTimeout(n)); err != nil {
		return err
	}
	for range growthNoopRepeats {
		noopCtx, cancel := context.WithTimeout(ctx, growthUpTimeout(n))
		run, took, _, err = r.upUntilHealthy(noopCtx, t, n)
		cancel()
		if err != nil {
			return fmt.Errorf("no-op up: %w", err)
		}
		r.record(Sample{Round: round, Tool: t.Name, Metric: growthMetric(metricGrowthNoopUp, n), Services: n,
			Value: took.Seconds(), Unit: unitSeconds, Timeline: timeline(run.Began, run.Events)})
		r.recordRSS(round, t, growthMetric(metricGrowthNoopRSS, n), n, run)
	}

	// down -v, untimed: nothing may be left.
	if _, err := t.Down(ctx, true); err != nil {
		return fmt.Errorf("down -v: %w", err)
	}
	left, err = leftovers(ctx, r.eng, t.resources())
	if err != nil {
		return err
	}
	anon, err := r.anonymousLeft(ctx, t.Project)
	if err != nil {
		return err
	}
	if left = append(left, anon...); len(left) > 0 {
		return fmt.Errorf("down -v left %v", left)
	}
	return nil
}

// upUntilHealthy runs the tool's up and returns how long it took until
// every service was healthy: until the command returned, for a tool that
// waits for health itself (stackctl; Compose with --wait), else until the
// engine, polled every 100 ms after the command returned, found every
// service healthy.
func (r *Runner) upUntilHealthy(ctx context.Context, t *Tool, services int) (Invocation, time.Duration, string, error) {
	run, err := t.UpWait(ctx)
	if err != nil {
		return run, 0, "", err
	}
	if t.WaitsForHealth {
		return run, run.Took, "", nil
	}
	if err := r.waitHealthy(ctx, t, growthSettleTimeout(services)); err != nil {
		return run, 0, "", err
	}
	return run, time.Since(run.Began), fmt.Sprintf("command returned at %.3fs", run.Took.Seconds()), nil
}

// waitHealthy returns once the engine has found every healthchecked
// container of the tool's stack healthy.
func (r *Runner) waitHealthy(ctx context.Context, t *Tool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, name := range t.Names.Healthchecked {
		err := poll(ctx, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
			c, err := r.eng.ContainerInspect(ctx, name)
			return err == nil && healthOf(c) == "healthy", err
		})
		if err != nil {
			return fmt.Errorf("wait for the engine to find %s healthy: %w", name, err)
		}
	}
	return nil
}

// checkRunning fails unless every container of the tool's stack runs.
func (r *Runner) checkRunning(ctx context.Context, t *Tool) error {
	for _, service := range slices.Sorted(maps.Keys(t.Names.Containers)) {
		name := t.Names.Containers[service]
		c, err := r.eng.ContainerInspect(ctx, name)
		if err != nil {
			return fmt.Errorf("container of %s: %w", service, err)
		}
		if !isRunning(c) {
			return fmt.Errorf("container %s is %s: %w", name, stateOf(c), errNotRunning)
		}
	}
	return nil
}

func (r *Runner) recordRSS(round int, t *Tool, metric string, services int, run Invocation) {
	if run.MaxRSSKiB <= 0 {
		r.fail(round, t.Name, fmt.Errorf("%s: the maxrss wrapper reported nothing", metric))
		return
	}
	note := ""
	if run.MaxRSSKiB <= run.RSSFloorKiB {
		note = fmt.Sprintf("an upper bound: not above the wrapper's own %.1f MiB", float64(run.RSSFloorKiB)/1024)
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: metric, Services: services,
		Value: float64(run.MaxRSSKiB) / 1024, Unit: unitMiB, Note: note})
}

// noteAnonymousVolumes remembers the volumes the engine made for the
// stack's containers (redis:7 declares /data a volume): the project owns
// them, down -v must remove them, and the final cleanup removes any that
// is left.
func (r *Runner) noteAnonymousVolumes(ctx context.Context, t *Tool) error {
	for _, service := range slices.Sorted(maps.Keys(t.Names.Containers)) {
		c, err := r.eng.ContainerInspect(ctx, t.Names.Containers[service])
		if isNotFound(err) {
			continue // a one-shot the tool did not run again
		}
		if err != nil {
			return fmt.Errorf("inspect the container of %s: %w", service, err)
		}
		for _, m := range c.Mounts {
			if m.Type == mount.TypeVolume && m.Name != "" && !slices.Contains(t.Names.Volumes, m.Name) {
				r.anonymous[m.Name] = t.Project
			}
		}
	}
	return nil
}

// anonymousLeft names the anonymous volumes noted for project that still
// exist.
func (r *Runner) anonymousLeft(ctx context.Context, project string) ([]string, error) {
	var left []string
	for _, name := range slices.Sorted(maps.Keys(r.anonymous)) {
		if r.anonymous[name] != project {
			continue
		}
		_, err := r.eng.VolumeInspect(ctx, name)
		switch {
		case isNotFound(err):
		case err != nil:
			return left, fmt.Errorf("look for volume %s: %w", name, err)
		default:
			left = append(left, "volume "+name)
		}
	}
	return left, nil
}

// removeAnonymous removes the noted anonymous volumes that are left and no
// container uses any more.
func (r *Runner) removeAnonymous(ctx context.Context) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(r.anonymous)) {
		if err := r.eng.VolumeRemove(ctx, name, false); err != nil && !isNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s of %s: %w", name, r.anonymous[name], err))
		}
	}
	return errors.Join(errs...)
}

// Fit is a least-squares line through (services, median seconds).
type Fit struct {
	Slope, Intercept float64
	Points           int
}

// fitLine is the least-squares line through the points; ok is false with
// fewer than two distinct x.
func fitLine(xs, ys []float64) (Fit, bool) {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(ys) {
		return Fit{}, false
	}
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for i := range xs {
		sxx += (xs[i] - mx) * (xs[i] - mx)
		sxy += (xs[i] - mx) * (ys[i] - my)
	}
	if sxx == 0 {
		return Fit{}, false
	}
	slope := sxy / sxx
	return Fit{Slope: slope, Intercept: my - slope*mx, Points: len(xs)}, true
}

// growthSizes are the sizes the report has growth samples of.
func (r *Report) growthSizes() []int {
	var sizes []int
	for _, s := range r.Samples {
		if s.Services > 0 && strings.HasPrefix(s.Metric, "growth-") && !slices.Contains(sizes, s.Services) {
			sizes = append(sizes, s.Services)
		}
	}
	slices.Sort(sizes)
	return sizes
}

// growthFit fits the medians of one growth metric of one tool against
// the number of services.
func (r *Report) growthFit(base, tool string) (Fit, bool) {
	var xs, ys []float64
	for _, n := range r.growthSizes() {
		if s, ok := r.summary(growthMetric(base, n), tool); ok {
			xs = append(xs, float64(n))
			ys = append(ys, s.Median)
		}
	}
	return fitLine(xs, ys)
}

// growthChecks judges the targets for the growth suite.
func (r *Report) growthChecks() []Check {
	var out []Check
	fs, okS := r.growthFit(metricGrowthColdUp, "stackctl")
	fc, okC := r.growthFit(metricGrowthColdUp, "compose")
	slope := Check{Name: fmt.Sprintf("growth: cold up slope <= %.1fx compose's", growthSlopeRatio), Measured: okS && okC, Detail: "not measured"}
	if slope.Measured {
		slope.Pass = fs.Slope <= growthSlopeRatio*fc.Slope
		slope.Detail = fmt.Sprintf("%.3f vs %.3f s/service", fs.Slope, fc.Slope)
		if fc.Slope > 0 {
			slope.Detail += fmt.Sprintf(": %.2fx", fs.Slope/fc.Slope)
		}
	}
	out = append(out, slope)
	noop, ok := r.summary(growthMetric(metricGrowthNoopUp, growthTargetSize), "stackctl")
	out = append(out, Check{Name: fmt.Sprintf("growth: no-op up under %s at %d services", growthNoopTarget, growthTargetSize),
		Pass: ok && noop.Median < growthNoopTarget.Seconds(), Measured: ok, Detail: measured(ok, "%.1fms", noop.Median*1000)})
	cold, okCold := r.summary(growthMetric(metricGrowthColdRSS, growthTargetSize), "stackctl")
	again, okNoop := r.summary(growthMetric(metricGrowthNoopRSS, growthTargetSize), "stackctl")
	rss := math.Max(cold.Median, again.Median)
	out = append(out, Check{Name: fmt.Sprintf("growth: max RSS <= %.0f MiB at %d services", growthRSSTarget, growthTargetSize),
		Pass: okCold && okNoop && rss <= growthRSSTarget, Measured: okCold && okNoop,
		Detail: measured(okCold && okNoop, "%.1f MiB (cold up %.1f, no-op up %.1f)", rss, cold.Median, again.Median)})
	return out
}
