package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// RunOptions are the differential run's inputs.
type RunOptions struct {
	Fixtures     string // the fixtures' directory
	Stackctl     string // the binary under test
	ImagesScript string // scripts/images.sh, which builds the stand-ins
	Prefix       string // of every project's name
	Only         string // a fixture's name: run only it
	Verbose      bool   // list allowlisted differences too
	Out          io.Writer
}

// standins are the images the run may build offline stand-ins of, with
// ImagesScript, when a fixture it runs needs one.
var standins = []string{"busybox:latest", "alpine:latest", "nginx:alpine", "nginx:latest"}

// stepTimeout bounds each tool's up and down of one fixture.
const stepTimeout = 3 * time.Minute

// result is what one fixture's run found.
type result struct {
	fixture     Fixture
	project     string
	allowed     []Difference
	reasons     []string
	unexplained []Difference
	// neitherUp says why, when both tools failed to bring the fixture up:
	// the states then agree on what a failed up leaves.
	neitherUp string
	err       error
}

// Run runs every fixture it can with both tools and reports on Out. It
// fails when Compose, the engine or the binary is missing, when a run
// fails, or when a difference is not in the allowlist.
func Run(ctx context.Context, opts RunOptions) error {
	var err error
	if _, err = docker(ctx, "version", "--format", "{{.Server.Version}}"); err != nil {
		return fmt.Errorf("the Docker engine (make engine starts one): %w", err)
	}
	if _, err := docker(ctx, "compose", "version"); err != nil {
		return fmt.Errorf("Docker Compose as a Docker CLI plugin (make compose installs it): %w", err)
	}
	if _, err := os.Stat(opts.Stackctl); err != nil {
		return fmt.Errorf("the stackctl binary (make build): %w", err)
	}
	for _, k := range []string{"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"} {
		os.Unsetenv(k)
	}
	if opts.Fixtures, err = filepath.Abs(opts.Fixtures); err != nil {
		return err
	}
	all, err := Fixtures(opts.Fixtures)
	if err != nil {
		return err
	}
	runnable, notRun, building, err := selectFixtures(ctx, all, opts)
	if err != nil {
		return err
	}
	if _, err := docker(ctx, "buildx", "version"); building && err != nil {
		return fmt.Errorf("Docker Buildx as a Docker CLI plugin, through which Compose builds (make buildx installs it): %w", err)
	}
	var results []result
	for _, f := range runnable {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(os.Stderr, "conformance: %s\n", f.Name)
		results = append(results, runFixture(ctx, f, opts))
	}
	return report(opts, all, notRun, results, ctx.Err())
}

// skip are the fixtures the run cannot compare for a reason it cannot see
// in the file, with that reason.
var skip = map[string]string{
	"build-infinite/compose.yaml": "its build never ends (RUN sleep infinity), as its upstream test wants",
}

// environments are what a fixture's upstream test sets for it; the run
// gives it to both tools.
var environments = map[string][]string{
	// Its upstream test builds it with the classic builder, which builds
	// base before the service FROM it; BuildKit builds them side by side.
	"build-dependencies/classic.yaml": {"DOCKER_BUILDKIT=0"},
}

// selectFixtures picks the fixtures the run can compare: they load in
// stackctl, need no external network or volume, use only images on the
// engine or that a stand-in stands for (built here when missing), and
// build only from such images, under names no image on the engine has
// yet. The others are returned with the reason. building says whether a
// fixture picked builds an image.
func selectFixtures(ctx context.Context, all []Fixture, opts RunOptions) (runnable []Fixture, notRun map[string]string, building bool, err error) {
	notRun = map[string]string{}
	images := map[string][]string{}
	builds := map[string][]string{}
	missing := map[string]bool{}
	for _, f := range all {
		if opts.Only != "" && f.Name != opts.Only {
			continue
		}
		if why, ok := skip[f.Name]; ok {
			notRun[f.Name] = why
			continue
		}
		st, err := stack.Load(ctx, stack.LoadOptions{Files: f.Files, ProjectName: f.ProjectName(opts.Prefix)})
		if err != nil {
			line, _, _ := strings.Cut(err.Error(), "\n")
			notRun[f.Name] = "does not load: " + strings.ReplaceAll(line, opts.Fixtures+string(filepath.Separator), "")
			continue
		}
		if why := unrunnable(st); why != "" {
			notRun[f.Name] = why
			continue
		}
		refs, built, why := needs(ctx, st, missing)
		if why != "" {
			notRun[f.Name] = why
			continue
		}
		images[f.Name], builds[f.Name] = refs, built
	}
	var build []string
	for _, ref := range standins {
		if missing[ref] {
			build = append(build, ref)
			delete(missing, ref)
		}
	}
	if len(build) > 0 {
		cmd := exec.CommandContext(ctx, "bash", append([]string{opts.ImagesScript}, build...)...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, nil, false, fmt.Errorf("build the stand-ins %s: %w", strings.Join(build, ", "), err)
		}
	}
	for _, f := range all {
		if _, ok := images[f.Name]; !ok {
			continue
		}
		for _, ref := range images[f.Name] {
			if missing[ref] {
				notRun[f.Name] = "image " + ref + " is not on the engine, and no registry is reachable"
			}
		}
		if _, skipped := notRun[f.Name]; !skipped {
			f.Builds = builds[f.Name]
			runnable = append(runnable, f)
			building = building || len(f.Builds) > 0
		}
	}
	return runnable, notRun, building, nil
}

// needs returns the images st needs, those it runs and those its builds
// start FROM, but for the images it builds itself; the ones not on the
// engine are added to missing. Then the images it builds. Or it says why
// st cannot run here: a build whose base images cannot be told, or one
// that would tag an image already on the engine (or a stand-in), which
// the run must not replace.
func needs(ctx context.Context, st *stack.Stack, missing map[string]bool) (needed, builds []string, why string) {
	built := map[string]bool{}
	for _, svc := range st.Services {
		if svc.Build != nil {
			built[fullReference(svc.Image)] = true
			for _, tag := range svc.Build.Tags {
				built[fullReference(tag)] = true
			}
		}
	}
	for ref := range built {
		if _, err := docker(ctx, "image", "inspect", ref); err == nil || slices.Contains(standins, ref) {
			return nil, nil, "its build would tag " + ref + ", which is on the engine already or a stand-in"
		}
	}
	var refs []string
	for _, svc := range st.Services {
		if svc.Build == nil {
			refs = append(refs, fullReference(svc.Image))
			continue
		}
		base, err := baseImages(svc.Build)
		if err != nil {
			return nil, nil, "services." + svc.Name + ".build: " + err.Error()
		}
		refs = append(refs, base...)
	}
	for _, ref := range refs {
		if built[ref] {
			continue
		}
		needed = append(needed, ref)
		if _, err := docker(ctx, "image", "inspect", ref); err != nil {
			missing[ref] = true
		}
	}
	return needed, slices.Sorted(maps.Keys(built)), ""
}

// unrunnable says why the run cannot compare st, or "".
func unrunnable(st *stack.Stack) string {
	for _, n := range st.Networks {
		if n.External {
			return "needs the external network " + n.Name
		}
	}
	for _, v := range st.Volumes {
		if v.External {
			return "needs the external volume " + v.Name
		}
	}
	return ""
}

// fullReference is ref with the tag the engine assumes.
func fullReference(ref string) string {
	name := ref[strings.LastIndex(ref, "/")+1:]
	if strings.Contains(name, ":") || strings.Contains(name, "@") {
		return ref
	}
	return ref + ":latest"
}

// runFixture brings f up with Compose, snapshots, takes it down, then the
// same with stackctl, and compares. Whatever either leaves is removed,
// also when a step fails.
func runFixture(ctx context.Context, f Fixture, opts RunOptions) (r result) {
	r.fixture, r.project = f, f.ProjectName(opts.Prefix)
	var files []string
	for _, file := range f.Files {
		files = append(files, "-f", file)
	}
	compose := append([]string{"compose", "-p", r.project}, files...)
	ours := append([]string{"-p", r.project}, files...)
	defer func() {
		if err := sweep(context.WithoutCancel(ctx), r.project, f.Builds); err != nil {
			r.err = errors.Join(r.err, err)
		}
	}()

	env := environments[f.Name]
	composeUp := step(ctx, env, "docker", append(compose, "up", "-d", "--wait")...)
	composeState, err := Snapshot(ctx, r.project, f.Builds...)
	if err != nil {
		r.err = err
		return r
	}
	if err := step(ctx, env, "docker", append(compose, "down", "-v", "-t", "1", "--remove-orphans")...); err != nil {
		r.err = fmt.Errorf("compose down: %w", err)
		return r
	}
	// So that stackctl builds its own images, and none is left behind.
	if err := removeImages(ctx, r.project, f.Builds); err != nil {
		r.err = err
		return r
	}
	if err := empty(ctx, r.project, f.Builds, "docker compose down -v"); err != nil {
		r.err = err
		return r
	}
	stackctlUp := step(ctx, env, opts.Stackctl, append(ours, "--progress", "plain", "up")...)
	stackctlState, err := Snapshot(ctx, r.project, f.Builds...)
	if err != nil {
		r.err = err
		return r
	}
	if err := step(ctx, env, opts.Stackctl, append(ours, "--progress", "plain", "down", "-v", "-t", "1")...); err != nil {
		r.err = fmt.Errorf("stackctl down: %w", err)
		return r
	}
	if err := removeImages(ctx, r.project, f.Builds); err != nil {
		r.err = err
		return r
	}
	if err := empty(ctx, r.project, f.Builds, "stackctl down -v"); err != nil {
		r.err = err
		return r
	}

	diffs := Compare(Normalize(composeState, r.project), Normalize(stackctlState, r.project))
	// Compose's up --wait fails on a container that exited 0, which is up
	// enough: stackctl failing there differs.
	composeExited0 := composeUp != nil && exited0.MatchString(composeUp.Error())
	if composeUp != nil && stackctlUp != nil && !composeExited0 {
		r.neitherUp = fmt.Sprintf("compose: %v; stackctl: %v", lastLine(composeUp, opts.Fixtures), lastLine(stackctlUp, opts.Fixtures))
	}
	if (composeUp == nil) != (stackctlUp == nil) || composeExited0 && stackctlUp != nil {
		diffs = append([]Difference{{Path: "up", Compose: outcome(composeUp), Stackctl: outcome(stackctlUp)}}, diffs...)
	}
	for _, d := range diffs {
		if reason, ok := Explain(d); ok {
			r.allowed = append(r.allowed, d)
			r.reasons = append(r.reasons, reason)
		} else {
			r.unexplained = append(r.unexplained, d)
		}
	}
	return r
}

// exited0 is how Compose's up --wait fails on a container that ran to
// completion.
var exited0 = regexp.MustCompile(`exited \(0\)$`)

// lastLine is the last of the lines step's error carries, cut short, the
// fixtures' directory left out of its paths.
func lastLine(err error, fixtures string) string {
	msg := strings.ReplaceAll(err.Error(), fixtures+string(filepath.Separator), "")
	if i := strings.LastIndex(msg, " | "); i >= 0 {
		msg = msg[i+len(" | "):]
	}
	msg = strings.TrimSpace(msg)
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "..."
	}
	return msg
}

func outcome(err error) string {
	if err == nil {
		return `"up"`
	}
	return fmt.Sprintf("%q", "failed: "+err.Error())
}

// step runs one tool's command with env added to the environment, bounded
// by stepTimeout; its error carries the last lines the tool wrote.
func step(ctx context.Context, env []string, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.Join(lines[max(0, len(lines)-3):], " | "))
	}
	return nil
}

// empty fails when the project still has something on the engine after
// what took it down.
func empty(ctx context.Context, project string, builds []string, after string) error {
	s, err := Snapshot(ctx, project, builds...)
	if err != nil {
		return err
	}
	if n := len(s.Containers) + len(s.Networks) + len(s.Volumes) + len(s.Images); n > 0 {
		return fmt.Errorf("%s left %d of project %s's resources: containers %v, networks %v, volumes %v, images %v",
			after, n, project, sortedNames(s.Containers), sortedNames(s.Networks), sortedNames(s.Volumes), sortedNames(s.Images))
	}
	return nil
}

// projectLabels are the labels either tool marks a project's resources
// with.
func projectLabels(project string) []string {
	return []string{"com.docker.compose.project=" + project, "io.stackctl.project=" + project}
}

// removeImages removes the images the project's builds made: by either
// tool's project label, and by the names they tag (Compose's classic
// builder labels none). An image a classic build made FROM another of
// them is its child, which must go first: each round removes what it can,
// until a round removes nothing.
func removeImages(ctx context.Context, project string, builds []string) error {
	for {
		var errs []error
		var left []string
		for _, label := range projectLabels(project) {
			out, err := docker(ctx, "image", "ls", "-q", "--no-trunc", "--filter", "label="+label)
			if err != nil {
				return err
			}
			left = append(left, strings.Fields(string(out))...)
		}
		for _, ref := range builds {
			if out, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", ref); err == nil {
				left = append(left, strings.TrimSpace(string(out)))
			}
		}
		slices.Sort(left)
		left = slices.Compact(left)
		removed := 0
		for _, id := range left {
			if _, err := docker(ctx, "image", "rm", "-f", id); err != nil {
				errs = append(errs, err)
			} else {
				removed++
			}
		}
		if len(errs) == 0 || removed == 0 {
			return errors.Join(errs...)
		}
	}
}

// sweep removes whatever of project is left, by either tool's project
// label: containers, then networks, volumes and images.
func sweep(ctx context.Context, project string, builds []string) error {
	var errs []error
	for _, label := range projectLabels(project) {
		for _, kind := range []struct{ list, remove []string }{
			{[]string{"ps", "-aq"}, []string{"rm", "-f", "-v"}},
			{[]string{"network", "ls", "-q"}, []string{"network", "rm"}},
			{[]string{"volume", "ls", "-q"}, []string{"volume", "rm", "-f"}},
		} {
			ids, err := docker(ctx, append(kind.list, "--filter", "label="+label)...)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if fields := strings.Fields(string(ids)); len(fields) > 0 {
				if _, err := docker(ctx, append(kind.remove, fields...)...); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := removeImages(ctx, project, builds); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// report prints each fixture's outcome and fails when any run failed or
// differed beyond the allowlist.
func report(opts RunOptions, all []Fixture, notRun map[string]string, results []result, cancelled error) error {
	out := opts.Out
	clean, onlyAllowed, failed := 0, 0, 0
	for _, r := range results {
		switch {
		case r.err != nil:
			failed++
			fmt.Fprintf(out, "FAIL  %s: %v\n", r.fixture.Name, r.err)
		case len(r.unexplained) > 0:
			failed++
			fmt.Fprintf(out, "DIFF  %s: %d differences not in the allowlist (%d in it)\n", r.fixture.Name, len(r.unexplained), len(r.allowed))
			for _, d := range r.unexplained {
				fmt.Fprintf(out, "        %s\n", d)
			}
		case len(r.allowed) > 0:
			onlyAllowed++
			fmt.Fprintf(out, "OK    %s: %d differences, all in the allowlist\n", r.fixture.Name, len(r.allowed))
		default:
			clean++
			fmt.Fprintf(out, "SAME  %s\n", r.fixture.Name)
		}
		if r.neitherUp != "" && r.err == nil {
			fmt.Fprintf(out, "        neither came up: %s\n", r.neitherUp)
		}
		if opts.Verbose && r.err == nil {
			for i, d := range r.allowed {
				fmt.Fprintf(out, "        allowed: %s (%s)\n", d, r.reasons[i])
			}
		}
	}
	for _, f := range all {
		if why, ok := notRun[f.Name]; ok {
			fmt.Fprintf(out, "--    %s: not run: %s\n", f.Name, why)
		}
	}
	neither := 0
	for _, r := range results {
		if r.neitherUp != "" && r.err == nil && len(r.unexplained) == 0 {
			neither++
		}
	}
	fmt.Fprintf(out, "%d fixtures, %d run: %d the same, %d differing only as the allowlist says (%d of these %d brought up by neither tool), %d failed or differing; %d not run\n",
		len(all), len(results), clean, onlyAllowed, neither, clean+onlyAllowed, failed, len(notRun))
	if cancelled != nil {
		return cancelled
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d fixtures failed or differ from Compose beyond the allowlist", failed, len(results))
	}
	return nil
}
