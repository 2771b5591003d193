package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
var standins = []string{"busybox:latest", "alpine:latest"}

// stepTimeout bounds each tool's up and down of one fixture.
const stepTimeout = 3 * time.Minute

// result is what one fixture's run found.
type result struct {
	fixture     Fixture
	project     string
	allowed     []Difference
	reasons     []string
	unexplained []Difference
	err         error
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
	runnable, notRun, err := selectFixtures(ctx, all, opts)
	if err != nil {
		return err
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

// selectFixtures picks the fixtures the run can compare: they load in
// stackctl, build nothing, need no external network or volume, and use
// only images on the engine, or that a stand-in stands for (built here
// when missing). The others are returned with the reason.
func selectFixtures(ctx context.Context, all []Fixture, opts RunOptions) ([]Fixture, map[string]string, error) {
	notRun := map[string]string{}
	images := map[string][]string{}
	missing := map[string]bool{}
	for _, f := range all {
		if opts.Only != "" && f.Name != opts.Only {
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
		for _, svc := range st.Services {
			ref := fullReference(svc.Image)
			images[f.Name] = append(images[f.Name], ref)
			if _, err := docker(ctx, "image", "inspect", ref); err != nil {
				missing[ref] = true
			}
		}
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
			return nil, nil, fmt.Errorf("build the stand-ins %s: %w", strings.Join(build, ", "), err)
		}
	}
	var runnable []Fixture
	for _, f := range all {
		refs, ok := images[f.Name]
		if !ok {
			continue
		}
		for _, ref := range refs {
			if missing[ref] {
				notRun[f.Name] = "image " + ref + " is not on the engine, and no registry is reachable"
			}
		}
		if _, skipped := notRun[f.Name]; !skipped {
			runnable = append(runnable, f)
		}
	}
	return runnable, notRun, nil
}

// unrunnable says why the run cannot compare st, or "".
func unrunnable(st *stack.Stack) string {
	for _, svc := range st.Services {
		if svc.Build != nil {
			return "builds an image (services." + svc.Name + ".build)"
		}
	}
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
		if err := sweep(context.WithoutCancel(ctx), r.project); err != nil {
			r.err = errors.Join(r.err, err)
		}
	}()

	composeUp := step(ctx, "docker", append(compose, "up", "-d", "--wait")...)
	composeState, err := Snapshot(ctx, r.project)
	if err != nil {
		r.err = err
		return r
	}
	if err := step(ctx, "docker", append(compose, "down", "-v", "-t", "1", "--remove-orphans")...); err != nil {
		r.err = fmt.Errorf("compose down: %w", err)
		return r
	}
	if err := empty(ctx, r.project, "docker compose down -v"); err != nil {
		r.err = err
		return r
	}
	stackctlUp := step(ctx, opts.Stackctl, append(ours, "--progress", "plain", "up")...)
	stackctlState, err := Snapshot(ctx, r.project)
	if err != nil {
		r.err = err
		return r
	}
	if err := step(ctx, opts.Stackctl, append(ours, "--progress", "plain", "down", "-v", "-t", "1")...); err != nil {
		r.err = fmt.Errorf("stackctl down: %w", err)
		return r
	}
	if err := empty(ctx, r.project, "stackctl down -v"); err != nil {
		r.err = err
		return r
	}

	diffs := Compare(Normalize(composeState, r.project), Normalize(stackctlState, r.project))
	if (composeUp == nil) != (stackctlUp == nil) {
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

func outcome(err error) string {
	if err == nil {
		return `"up"`
	}
	return fmt.Sprintf("%q", "failed: "+err.Error())
}

// step runs one tool's command, bounded by stepTimeout; its error carries
// the last lines the tool wrote.
func step(ctx context.Context, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
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
func empty(ctx context.Context, project, after string) error {
	s, err := Snapshot(ctx, project)
	if err != nil {
		return err
	}
	if n := len(s.Containers) + len(s.Networks) + len(s.Volumes); n > 0 {
		return fmt.Errorf("%s left %d of project %s's resources: containers %v, networks %v, volumes %v",
			after, n, project, sortedNames(s.Containers), sortedNames(s.Networks), sortedNames(s.Volumes))
	}
	return nil
}

// sweep removes whatever of project is left, by either tool's project
// label: containers, then networks and volumes.
func sweep(ctx context.Context, project string) error {
	var errs []error
	for _, label := range []string{"com.docker.compose.project=" + project, "io.stackctl.project=" + project} {
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
	fmt.Fprintf(out, "%d fixtures, %d run: %d the same, %d differing only as the allowlist says, %d failed or differing\n",
		len(all), len(results), clean, onlyAllowed, failed)
	if cancelled != nil {
		return cancelled
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d fixtures failed or differ from Compose beyond the allowlist", failed, len(results))
	}
	return nil
}
