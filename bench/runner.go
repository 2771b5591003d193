package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// Config says what to run and where.
type Config struct {
	// RepoDir is the repository root: its app/ is copied, never changed.
	RepoDir string
	// StackctlBin is the stackctl binary under test.
	StackctlBin string
	// ComposeFile is the stack both tools run: the built-in stack's file.
	ComposeFile string
	// ForeignFile is a compose file no part of stackctl knows, which both
	// tools run from nothing to serving and down again (see foreign.go).
	ForeignFile string
	// Rounds is how many times each scenario runs per tool.
	Rounds int
	// StackctlProject and ComposeProject keep the two stacks apart from
	// each other and from anyone else's.
	StackctlProject, ComposeProject string
	// Baseline, when its Bin is set, is another build of stackctl the
	// built-in stack's scenarios time beside StackctlBin (see Baseline).
	Baseline Baseline
	// ForeignStackctlProject and ForeignComposeProject are the projects
	// the tools run ForeignFile in.
	ForeignStackctlProject, ForeignComposeProject string
	// GrowthSizes are the growth suite's stack sizes (numbers of
	// services); empty is DefaultGrowthSizes.
	GrowthSizes []int
	// GrowthStackctlProject and GrowthComposeProject are the prefixes of
	// the growth suite's projects: each size runs in prefix-N.
	GrowthStackctlProject, GrowthComposeProject string
	// Suites selects what runs (see Suites); empty runs everything.
	Suites map[string]bool
	// Skip names scenarios of the built-in stack not to run (see
	// Skippable).
	Skip map[string]bool
	// LoadMax bounds the redeploy's client loop; 0 is DefaultLoadMax.
	// It also bounds each of the soak's ups.
	LoadMax time.Duration
	// Ports, when set, is the range the stacks' host ports are taken
	// from; otherwise the kernel picks free ones.
	Ports PortRange
	// EditProject is the prefix of the edit suite's projects:
	// PREFIX-buildkit, PREFIX-classic and PREFIX-compose.
	EditProject string
	// WatchProject is the prefix of the watch suite's projects:
	// PREFIX-go-s and PREFIX-py-s (stackctl), PREFIX-go-c and PREFIX-py-c
	// (Compose).
	WatchProject string
	// SoakProject is the soak suite's project (stackctl only).
	SoakProject string
	// SoakRounds is how many rolling updates the soak runs; 0 is
	// DefaultSoakRounds.
	SoakRounds int
	// SoakBurn is how many busy-loop goroutines load the machine during
	// the soak.
	SoakBurn int
	// Log receives progress lines.
	Log io.Writer
}

// PortRange is a range of host ports, both ends included.
type PortRange struct{ From, To int }

// Baseline is another build of stackctl, timed beside the one under test
// on the built-in stack, in the same rounds: a tool named "stackctl-" +
// Name (BaselineTool), in project StackctlProject-Name, with its own port
// and copy of app/. The report names it as its Baseline.
type Baseline struct {
	// Name tells the build apart: letters, digits and dashes.
	Name string
	// Bin is the build's binary.
	Bin string
	// Version says what the build is, for the report; empty is its path.
	Version string
}

// BaselineTool is the name the results give the baseline build name.
func BaselineTool(name string) string { return "stackctl-" + name }

// images the built-in stack runs; the benchmark never pulls, it needs them
// present. The foreign file's are read from the file.
var requiredImages = []string{"postgres:15", "redis:7", "golang:1.26"}

// The suites a run is made of.
const (
	// SuiteBuiltin is the built-in stack's scenarios and the PostgreSQL
	// floor.
	SuiteBuiltin = "builtin"
	// SuiteForeign is the foreign file's up from nothing and down -v.
	SuiteForeign = "foreign"
	// SuiteLoad is the time stackctl takes to load the built-in file.
	SuiteLoad = "load"
)

// Suites lists every suite, in the order a round runs them (SuiteGrowth:
// see growth.go).
var Suites = []string{SuiteLoad, SuiteBuiltin, SuiteEdit, SuiteWatch, SuiteForeign, SuiteGrowth}

// ParseSuites reads a comma-separated list of suites, OptionalSuites
// included; an empty list is all of Suites.
func ParseSuites(list string) (map[string]bool, error) {
	out := map[string]bool{}
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case slices.Contains(Suites, name) || slices.Contains(OptionalSuites, name):
			out[name] = true
		default:
			return nil, fmt.Errorf("no suite %q: the suites are %s", name, strings.Join(slices.Concat(Suites, OptionalSuites), ", "))
		}
	}
	if len(out) == 0 {
		for _, name := range Suites {
			out[name] = true
		}
	}
	return out, nil
}

// cleanupTimeout bounds the final teardown, which runs even after Ctrl-C.
const cleanupTimeout = 3 * time.Minute

// Runner runs the scenarios for both tools and collects the samples.
type Runner struct {
	cfg Config
	eng *client.Client
	web *http.Client
	// probe waits for a stack to answer, retrying lost connection attempts
	// at once (see newProbeClient).
	probe *http.Client
	// loader is stackctl on the built-in file for the load suite.
	loader *Tool
	// tools run the built-in stack, foreign the foreign file.
	tools   []*Tool
	foreign []*Tool
	// growth is the growth suite's stacks, smallest first.
	growth []*growthStack
	// edit is the edit suite's tools.
	edit []*editTool
	// watch is the watch suite's tools, each on one of its stacks.
	watch []*watchTool
	// anonymous are the volumes the engine made for the stacks'
	// containers (redis:7 declares /data a volume), by name, with their
	// project.
	anonymous map[string]string
	// soak is stackctl on the built-in stack for the soak suite, with
	// soakOverride, the file each round rewrites, as its second -f.
	soak         *Tool
	soakOverride string
	// nextPort is the next port of cfg.Ports to try.
	nextPort int
	report   *Report
}

// Run measures every scenario of the selected suites cfg.Rounds times per
// tool, alternating the tools, and returns what it measured. It refuses to
// start when any name it would use belongs to someone else, and removes
// everything it made before it returns, also when ctx is cancelled (Ctrl-C).
// The report holds whatever was measured even when Run fails part way.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.LoadMax <= 0 {
		cfg.LoadMax = DefaultLoadMax
	}
	for name := range cfg.Skip {
		if !slices.Contains(Skippable, name) {
			return nil, fmt.Errorf("cannot skip %q: only %v can be skipped", name, Skippable)
		}
	}
	if len(cfg.Suites) == 0 {
		cfg.Suites, _ = ParseSuites("")
	}
	for name := range cfg.Suites {
		if !slices.Contains(Suites, name) && !slices.Contains(OptionalSuites, name) {
			return nil, fmt.Errorf("no suite %q: the suites are %v", name, slices.Concat(Suites, OptionalSuites))
		}
	}
	if cfg.SoakRounds <= 0 {
		cfg.SoakRounds = DefaultSoakRounds
	}
	if cfg.SoakBurn < 0 {
		return nil, fmt.Errorf("-soak-burn %d: want 0 or more", cfg.SoakBurn)
	}
	if cfg.Baseline.Bin != "" && !cfg.Suites[SuiteBuiltin] {
		return nil, fmt.Errorf("a baseline build is timed on the built-in stack: add %s to the suites", SuiteBuiltin)
	}
	if cfg.Suites[SuiteEdit] && cfg.EditProject == "" {
		return nil, errors.New("the edit suite needs a project prefix")
	}
	if cfg.Suites[SuiteWatch] && cfg.WatchProject == "" {
		return nil, errors.New("the watch suite needs a project prefix")
	}
	if cfg.Suites[SuiteSoak] && cfg.SoakProject == "" {
		return nil, errors.New("the soak suite needs a project name")
	}
	if len(cfg.GrowthSizes) == 0 {
		cfg.GrowthSizes = slices.Clone(DefaultGrowthSizes)
	}
	if cfg.GrowthStackctlProject == "" || cfg.GrowthComposeProject == "" || cfg.GrowthStackctlProject == cfg.GrowthComposeProject {
		return nil, fmt.Errorf("the growth suite needs two distinct project prefixes, have %q and %q",
			cfg.GrowthStackctlProject, cfg.GrowthComposeProject)
	}
	r := &Runner{cfg: cfg, web: newWebClient(), probe: newProbeClient(),
		report: &Report{Started: time.Now(), Rounds: cfg.Rounds, Tools: map[string]ToolInfo{}, Machine: readMachine()}}
	stopLoad := sampleLoad(r.report.Machine)
	defer r.report.finish()
	defer stopLoad()
	eng, err := newEngineClient()
	if err != nil {
		return r.report, err
	}
	defer eng.Close()
	r.eng = eng
	r.anonymous = map[string]string{}
	if r.report.Engine, err = describeEngine(ctx, eng); err != nil {
		return r.report, err
	}
	if err := r.checkPreconditions(ctx); err != nil {
		return r.report, err
	}

	workspace, err := os.MkdirTemp("", "stackbench-")
	if err != nil {
		return r.report, fmt.Errorf("make a workspace: %w", err)
	}
	defer os.RemoveAll(workspace)
	if cfg.Suites[SuiteLoad] {
		if err := r.setUpLoad(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteBuiltin] {
		if err := r.setUpTools(ctx, workspace); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteEdit] {
		if err := r.setUpEdit(ctx, workspace); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteWatch] {
		if err := r.setUpWatch(ctx, workspace); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteForeign] {
		if err := r.setUpForeign(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteGrowth] {
		if err := r.setUpGrowth(ctx, workspace); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteSoak] {
		if err := r.setUpSoak(ctx, workspace); err != nil {
			return r.report, err
		}
	}
	if err := checkOwned(ctx, eng, r.allResources()); err != nil {
		return r.report, fmt.Errorf("refusing to run: %w", err)
	}
	// From here on everything under our names is ours to remove.
	defer r.cleanup(ctx)

	if cfg.Suites[SuiteBuiltin] {
		if err := r.prepare(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteEdit] {
		if err := r.prepareEdit(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteWatch] {
		if err := r.prepareWatch(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteForeign] {
		if err := r.prepareForeign(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteGrowth] {
		if err := r.prepareGrowth(ctx); err != nil {
			return r.report, err
		}
	}
	if cfg.Suites[SuiteSoak] {
		if err := r.prepareSoak(ctx); err != nil {
			return r.report, err
		}
	}
	if slices.ContainsFunc(Suites, func(s string) bool { return cfg.Suites[s] }) {
		for round := 1; round <= cfg.Rounds; round++ {
			r.runRound(ctx, round)
			if ctx.Err() != nil {
				return r.report, ctx.Err()
			}
		}
	}
	if cfg.Suites[SuiteSoak] {
		r.runSoak(ctx)
		if ctx.Err() != nil {
			return r.report, ctx.Err()
		}
	}
	return r.report, nil
}

func (r *Runner) checkPreconditions(ctx context.Context) error {
	if r.cfg.Suites[SuiteSoak] {
		for _, ref := range append(slices.Clone(requiredImages), edgeImage) {
			if _, err := r.eng.ImageInspect(ctx, ref); err != nil {
				return fmt.Errorf("image %s must be present for the soak (the benchmark never pulls; `make images`): %w", ref, err)
			}
		}
	}
	if r.cfg.Suites[SuiteWatch] {
		for _, ref := range append(slices.Clone(requiredImages), edgeImage, watchPythonImage) {
			if _, err := r.eng.ImageInspect(ctx, ref); err != nil {
				return fmt.Errorf("image %s must be present for the watch suite (the benchmark never pulls; `make images`): %w", ref, err)
			}
		}
	}
	if r.cfg.Suites[SuiteEdit] {
		for _, ref := range requiredImages {
			if _, err := r.eng.ImageInspect(ctx, ref); err != nil {
				return fmt.Errorf("image %s must be present for the edit suite (the benchmark never pulls; `make images`): %w", ref, err)
			}
		}
	}
	if !r.cfg.Suites[SuiteBuiltin] {
		return nil // the foreign file's images are checked with its tools
	}
	if os.Geteuid() != 0 {
		return errors.New("the crash scenario sends SIGKILL to container processes from this process: run as root")
	}
	if !isLocalEngine(r.eng) {
		return fmt.Errorf("the engine at %s is not local: its containers' processes cannot be signalled from here", r.eng.DaemonHost())
	}
	for _, ref := range requiredImages {
		if _, err := r.eng.ImageInspect(ctx, ref); err != nil {
			return fmt.Errorf("image %s must be present (the benchmark never pulls; `make images`): %w", ref, err)
		}
	}
	return nil
}

// setUpTools gives each tool its own copy of app/ (the redeploy scenario
// edits it) and its own free host port: stackctl, Compose and, when the run
// has one, the baseline build of stackctl.
func (r *Runner) setUpTools(ctx context.Context, workspace string) error {
	if err := composeBuilds(ctx); err != nil {
		return err
	}
	base := r.cfg.Baseline
	setups := []StackSetup{{Project: r.cfg.StackctlProject}, {Project: r.cfg.ComposeProject}}
	if base.Bin != "" {
		setups = append(setups, StackSetup{Project: r.cfg.StackctlProject + "-" + base.Name})
	}
	for i := range setups {
		var err error
		if setups[i], err = r.builtinSetup(workspace, setups[i].Project); err != nil {
			return err
		}
	}
	stackctl, err := NewStackctl(ctx, r.cfg.StackctlBin, setups[0])
	if err != nil {
		return err
	}
	compose, err := NewCompose(ctx, r.cfg.StackctlBin, setups[1])
	if err != nil {
		return err
	}
	r.tools = []*Tool{stackctl, compose}
	if base.Bin != "" {
		baseline, err := NewStackctl(ctx, base.Bin, setups[2])
		if err != nil {
			return fmt.Errorf("the baseline build: %w", err)
		}
		baseline.Name, baseline.Version = BaselineTool(base.Name), cmp.Or(base.Version, "another build ("+base.Bin+")")
		r.tools = append(r.tools, baseline)
		r.report.Baseline = baseline.Name
	}
	for _, t := range r.tools {
		r.report.Tools[t.Name] = ToolInfo{Version: t.Version, Project: t.Project, Port: t.Port}
		r.logf("%-8s %s, project %s, web on 127.0.0.1:%d", t.Name, t.Version, t.Project, t.Port)
	}
	return nil
}

// builtinSetup is one copy of the built-in stack in project: its own copy
// of app/ in the workspace, and its own free host port.
func (r *Runner) builtinSetup(workspace, project string) (StackSetup, error) {
	appSrc := filepath.Join(r.cfg.RepoDir, "app")
	s := StackSetup{Project: project, ComposeFile: r.cfg.ComposeFile, AppDir: filepath.Join(workspace, project+"-app")}
	if err := copyDir(appSrc, s.AppDir); err != nil {
		return s, fmt.Errorf("copy %s for the benchmark: %w", appSrc, err)
	}
	port, err := r.freePort()
	if err != nil {
		return s, err
	}
	s.Port, s.Env = port, builtinEnv(r.cfg.RepoDir, s.AppDir, port)
	return s, nil
}

func (r *Runner) allResources() []resource {
	var rs []resource
	for _, t := range slices.Concat(r.tools, r.editTools(), r.watchTools(), r.foreign, r.growthTools(), r.soakTools()) {
		rs = append(rs, t.resources()...)
	}
	rs = append(rs, r.watchResources()...)
	if r.soak != nil {
		rs = append(rs, soakResources(r.soak)...)
	}
	if r.cfg.Suites[SuiteBuiltin] {
		rs = append(rs, r.floorResources()...)
	}
	return rs
}

// prepare starts from a clean slate of our own projects and makes sure both
// tools' app images are built from the current source, so no measured up
// includes a first build.
func (r *Runner) prepare(ctx context.Context) error {
	for _, t := range r.tools {
		r.logf("preparing %s: down -v, up --build, down -v", t.Name)
		if _, err := t.Down(ctx, true); err != nil {
			return fmt.Errorf("clear %s's previous stack: %w", t.Name, err)
		}
		if _, err := t.Up(ctx, true); err != nil {
			return fmt.Errorf("build and start %s's stack once: %w", t.Name, err)
		}
		if _, err := t.Down(ctx, true); err != nil {
			return fmt.Errorf("take %s's stack down after warm-up: %w", t.Name, err)
		}
	}
	r.logf("preparing the postgres floor volume")
	return r.prepareFloor(ctx)
}

// runRound runs each selected suite once.
func (r *Runner) runRound(ctx context.Context, round int) {
	if r.cfg.Suites[SuiteLoad] {
		r.loadRound(ctx, round)
	}
	if r.cfg.Suites[SuiteBuiltin] && ctx.Err() == nil {
		r.builtinRound(ctx, round)
	}
	if r.cfg.Suites[SuiteEdit] && ctx.Err() == nil {
		r.editRound(ctx, round)
	}
	if r.cfg.Suites[SuiteWatch] && ctx.Err() == nil {
		r.watchRound(ctx, round)
	}
	if r.cfg.Suites[SuiteForeign] && ctx.Err() == nil {
		r.foreignRound(ctx, round)
	}
	if r.cfg.Suites[SuiteGrowth] && ctx.Err() == nil {
		r.growthRound(ctx, round)
	}
}

// inTurn is the tools (or their copies of a stack) in the order a round
// runs them: the one that goes first alternates, so neither always runs on
// a warmer (or busier) machine.
func inTurn[T any](tools []T, round int) []T {
	order := slices.Clone(tools)
	if round%2 == 0 {
		slices.Reverse(order)
	}
	return order
}

// builtinRound runs the floor and each tool's cycle on the built-in stack.
func (r *Runner) builtinRound(ctx context.Context, round int) {
	for _, probe := range []string{"tcp", "exec"} {
		if err := r.floorSample(ctx, round, probe); err != nil && ctx.Err() == nil {
			r.fail(round, floorTool, err)
		}
	}
	for _, t := range inTurn(r.tools, round) {
		if ctx.Err() != nil {
			return
		}
		if err := r.cycle(ctx, round, t); err != nil {
			if ctx.Err() != nil {
				return // cancelled: not a failure of the tool
			}
			r.fail(round, t.Name, err)
			r.reset(ctx, t)
		}
	}
}

// reset takes a tool's stack down after a failed scenario so the next round
// starts clean.
func (r *Runner) reset(ctx context.Context, t *Tool) {
	if _, err := t.Down(ctx, true); err != nil {
		r.logf("reset %s after a failure: %v", t.Name, err)
	}
}

// cleanup removes everything the benchmark made, with its own deadline: it
// runs after Ctrl-C too.
func (r *Runner) cleanup(parent context.Context) {
	// A growth stack's down -v stops up to 40 containers: give each one
	// more time.
	timeout := cleanupTimeout + time.Duration(len(r.growth))*time.Minute
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	defer cancel()
	builtin := r.cfg.Suites[SuiteBuiltin]
	if builtin {
		r.logf("cleaning up: down -v for every project, the floor container and volume")
	} else {
		r.logf("cleaning up: down -v for every project")
	}
	for _, t := range slices.Concat(r.tools, r.editTools(), r.watchTools(), r.foreign, r.growthTools(), r.soakTools()) {
		if _, err := t.Down(ctx, true); err != nil {
			r.fail(0, t.Name, fmt.Errorf("clean up %s: %w", t.Project, err))
		}
	}
	if err := r.removeAnonymous(ctx); err != nil {
		r.fail(0, "", fmt.Errorf("clean up: %w", err))
	}
	if builtin {
		if err := r.removeFloor(ctx); err != nil {
			r.fail(0, floorTool, fmt.Errorf("clean up: %w", err))
		}
	}
	left, err := leftovers(ctx, r.eng, r.allResources())
	if err != nil {
		r.fail(0, "", fmt.Errorf("check for leftovers: %w", err))
	}
	for _, t := range slices.Concat(r.tools, r.editTools(), r.watchTools(), r.growthTools()) {
		anon, err := r.anonymousLeft(ctx, t.Project)
		if err != nil {
			r.fail(0, "", fmt.Errorf("check for leftovers: %w", err))
		}
		left = append(left, anon...)
	}
	if len(left) > 0 {
		r.fail(0, "", fmt.Errorf("left behind after cleanup: %v", left))
	}
}

func (r *Runner) record(s Sample) {
	r.report.Samples = append(r.report.Samples, s)
	r.logf("round %d/%d  %-8s  %-26s %s", s.Round, r.cfg.Rounds, s.Tool, s.Metric, s.valueText())
}

func (r *Runner) fail(round int, tool string, err error) {
	r.logf("error: %s", r.report.addError(round, tool, err))
}

func (r *Runner) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "stackbench: "+format+"\n", args...)
	}
}

// freePort asks the kernel for a free port on the loopback interface, or,
// with a port range (Config.Ports), takes the next port of it that nothing
// listens on. The port is closed again before use, so another process
// could take it in between; the tools then fail to bind, which the
// benchmark reports.
func (r *Runner) freePort() (int, error) {
	if r.cfg.Ports.From == 0 {
		return freePort()
	}
	for ; r.nextPort <= r.cfg.Ports.To; r.nextPort++ {
		if r.nextPort < r.cfg.Ports.From {
			r.nextPort = r.cfg.Ports.From
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", r.nextPort))
		if err != nil {
			continue
		}
		l.Close()
		r.nextPort++
		return r.nextPort - 1, nil
	}
	return 0, fmt.Errorf("pick a free port: none left in %d-%d", r.cfg.Ports.From, r.cfg.Ports.To)
}

// freePort asks the kernel for a free port on the loopback interface.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// copyDir copies the regular files and directories under src to dst.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
}
