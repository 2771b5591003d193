// Command stackbench times stackctl against Docker Compose on the same stacks
// and the same engine: see package bench. Run it in bench/ (`make bench`
// does), where its default paths lead; it needs root, a local engine, the
// stacks' images and a stackctl binary (`make build`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/stackctl/stackctl/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "stackbench: error:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		cfg        bench.Config
		jsonPath   string
		chartsDir  string
		fromPaths  []string
		docsPath   string
		docsCharts string
	)
	flag.IntVar(&cfg.Rounds, "rounds", 5, "rounds per scenario and tool")
	flag.StringVar(&jsonPath, "json", "", "also write the results as JSON to this path")
	flag.StringVar(&chartsDir, "charts", "", "also draw the results as PNG charts into this directory")
	flag.Func("from", "run nothing: read the results of earlier runs from these JSON files (-json; repeat the flag or separate them with commas), "+
		"print each and draw its charts (with -charts), or write the benchmarks' page from them (with -docs)", func(v string) error {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				fromPaths = append(fromPaths, p)
			}
		}
		return nil
	})
	flag.StringVar(&docsPath, "docs", "", "with -from: write the benchmarks' page (markdown) to this path instead of printing, each section from the newest results that measured it")
	flag.StringVar(&docsCharts, "docs-charts", "charts", "with -docs: the directory of the charts the page shows (drawn with -charts)")
	flag.StringVar(&cfg.RepoDir, "repo", "..", "repository root (its app/ is copied, never changed)")
	flag.StringVar(&cfg.StackctlBin, "stackctl", "../bin/stackctl", "the stackctl binary to measure")
	flag.StringVar(&cfg.ComposeFile, "compose-file", "../internal/stack/builtin/compose.yaml", "the built-in stack's file, which both tools run (and the load is timed on)")
	flag.StringVar(&cfg.StackctlProject, "stackctl-project", "bench-s", "stackctl's project name for the built-in stack")
	flag.StringVar(&cfg.ComposeProject, "compose-project", "bench-c", "Compose's project name for the built-in stack")
	flag.Func("baseline", "NAME=PATH: also time the stackctl binary at PATH on the built-in stack, beside -stackctl in the same rounds, "+
		"as tool stackctl-NAME in project STACKCTL-PROJECT-NAME (the report's baseline)", func(v string) error {
		name, bin, ok := strings.Cut(v, "=")
		if !ok || name == "" || bin == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return fmt.Errorf("want NAME=PATH, NAME of lower-case letters, digits and dashes, have %q", v)
		}
		cfg.Baseline.Name, cfg.Baseline.Bin = name, bin
		return nil
	})
	flag.StringVar(&cfg.Baseline.Version, "baseline-version", "", "with -baseline: what that build is, for the report (default: its path)")
	flag.StringVar(&cfg.ForeignFile, "foreign-file", "foreign/compose.yaml", "a compose file stackctl does not know, which both tools run")
	flag.StringVar(&cfg.ForeignStackctlProject, "foreign-stackctl-project", "bench-fs", "stackctl's project name for the foreign file")
	flag.StringVar(&cfg.ForeignComposeProject, "foreign-compose-project", "bench-fc", "Compose's project name for the foreign file")
	suites := flag.String("suites", strings.Join(bench.Suites, ","), "comma-separated suites to run: "+
		bench.SuiteLoad+" (stackctl loading the built-in file), "+
		bench.SuiteBuiltin+" (the built-in stack's scenarios and the postgres floor), "+
		bench.SuiteEdit+" (a one-line change of the app until the new version answers: stackctl with BuildKit, with the classic builder, Compose), "+
		bench.SuiteWatch+" (a one-line change under stackctl watch and docker compose watch until the change answers: a Go app rebuilt, a Python app synced and restarted), "+
		bench.SuiteForeign+" (the foreign file: up from nothing, down -v), "+
		bench.SuiteGrowth+" (cold and no-op up of generated stacks of more and more services); not by default: "+
		bench.SuiteSoak+" (stackctl only: rolling updates of 3 web replicas behind the edge under a client loop, once after the rounds)")
	growthSizes := flag.String("growth-sizes", joinInts(bench.DefaultGrowthSizes), "comma-separated numbers of services the growth suite runs")
	flag.StringVar(&cfg.GrowthStackctlProject, "growth-stackctl-project", "bench-gs", "prefix of stackctl's projects in the growth suite (one per size: PREFIX-N)")
	flag.StringVar(&cfg.GrowthComposeProject, "growth-compose-project", "bench-gc", "prefix of Compose's projects in the growth suite (one per size: PREFIX-N)")
	flag.Func("ports", "FROM-TO: take the stacks' host ports from this range (default: ports the kernel picks)", func(v string) error {
		from, to, ok := strings.Cut(v, "-")
		var err error
		if cfg.Ports.From, err = strconv.Atoi(from); err != nil || !ok {
			return fmt.Errorf("want FROM-TO, have %q", v)
		}
		if cfg.Ports.To, err = strconv.Atoi(to); err != nil || cfg.Ports.To < cfg.Ports.From || cfg.Ports.From < 1 {
			return fmt.Errorf("want FROM-TO with 0 < FROM <= TO, have %q", v)
		}
		return nil
	})
	flag.StringVar(&cfg.EditProject, "edit-project", "bench-e", "prefix of the edit suite's projects: PREFIX-buildkit, PREFIX-classic, PREFIX-compose")
	flag.StringVar(&cfg.WatchProject, "watch-project", "bench-w", "prefix of the watch suite's projects: PREFIX-go-s, PREFIX-go-c, PREFIX-py-s, PREFIX-py-c")
	flag.StringVar(&cfg.SoakProject, "soak-project", "bench-soak", "stackctl's project name for the soak suite")
	flag.IntVar(&cfg.SoakRounds, "soak-rounds", bench.DefaultSoakRounds, "rolling updates the soak suite runs, one after another")
	flag.IntVar(&cfg.SoakBurn, "soak-burn", 0, "busy-loop goroutines that load the machine during the soak (stopped with it)")
	flag.DurationVar(&cfg.LoadMax, "load-max", bench.DefaultLoadMax, "longest a redeploy (image build included) and its client loop (a request every 10ms) may take")
	skip := flag.String("skip", "", "comma-separated scenarios of the built-in stack not to run: "+strings.Join(bench.Skippable, ", "))
	timelines := flag.Bool("timelines", true, "print stackctl's progress timeline of each median run")
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: every setting is a flag (-h lists them)", flag.Args())
	}
	if docsPath != "" && len(fromPaths) == 0 {
		return errors.New("-docs writes the page from results files: name them with -from")
	}
	if len(fromPaths) > 0 {
		return fromResults(fromPaths, chartsDir, docsPath, docsCharts, *timelines)
	}
	if cfg.Rounds < 1 {
		return fmt.Errorf("-rounds %d: want at least 1", cfg.Rounds)
	}
	if cfg.SoakRounds < 1 || cfg.SoakBurn < 0 {
		return fmt.Errorf("-soak-rounds %d, -soak-burn %d: want at least 1 round and no negative load", cfg.SoakRounds, cfg.SoakBurn)
	}
	var err error
	if cfg.GrowthSizes, err = bench.ParseGrowthSizes(*growthSizes); err != nil {
		return fmt.Errorf("-growth-sizes: %w", err)
	}
	projects := []string{cfg.StackctlProject, cfg.ComposeProject, cfg.ForeignStackctlProject, cfg.ForeignComposeProject, cfg.SoakProject}
	if cfg.Baseline.Bin != "" {
		projects = append(projects, cfg.StackctlProject+"-"+cfg.Baseline.Name)
	}
	for _, suffix := range []string{"buildkit", "classic", "compose"} {
		projects = append(projects, cfg.EditProject+"-"+suffix)
	}
	for _, suffix := range []string{"go-s", "go-c", "py-s", "py-c"} {
		projects = append(projects, cfg.WatchProject+"-"+suffix)
	}
	for _, n := range cfg.GrowthSizes {
		projects = append(projects, fmt.Sprintf("%s-%d", cfg.GrowthStackctlProject, n), fmt.Sprintf("%s-%d", cfg.GrowthComposeProject, n))
	}
	for i, p := range projects {
		if slices.Contains(projects[i+1:], p) {
			return fmt.Errorf("every stack needs its own project, %q is given twice", p)
		}
	}
	if cfg.Suites, err = bench.ParseSuites(*suites); err != nil {
		return fmt.Errorf("-suites: %w", err)
	}
	paths := []*string{&cfg.RepoDir, &cfg.StackctlBin, &cfg.ComposeFile, &cfg.ForeignFile}
	if cfg.Baseline.Bin != "" {
		paths = append(paths, &cfg.Baseline.Bin)
	}
	for _, p := range paths {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	cfg.Log = os.Stderr
	cfg.Skip = map[string]bool{}
	for name := range strings.SplitSeq(*skip, ",") {
		if name = strings.TrimSpace(name); name != "" {
			cfg.Skip[name] = true
		}
	}

	// Ctrl-C cancels the run, which then cleans up; a second Ctrl-C, with
	// the default handler restored, kills it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()

	report, runErr := bench.Run(ctx, cfg)
	if report != nil && (len(report.Samples) > 0 || report.Soak != nil) {
		report.PrintTable(os.Stdout)
		if *timelines {
			report.PrintTimelines(os.Stdout)
		}
	}
	if report != nil && jsonPath != "" {
		if err := report.WriteJSON(jsonPath); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "stackbench: results written to", jsonPath)
	}
	if report != nil && len(report.Samples) > 0 && chartsDir != "" {
		if err := writeCharts(report, chartsDir); err != nil {
			return err
		}
	}
	if runErr == nil && report != nil && len(report.Errors) > 0 {
		runErr = fmt.Errorf("%d scenarios failed (listed above)", len(report.Errors))
	}
	return runErr
}

// fromResults reads earlier runs' results, draws their charts into
// chartsDir (when given) and then either writes the benchmarks' page to
// docsPath or, without one, prints each run's table.
func fromResults(paths []string, chartsDir, docsPath, docsCharts string, timelines bool) error {
	reports := make([]*bench.Report, len(paths))
	for i, path := range paths {
		var err error
		if reports[i], err = bench.ReadReport(path); err != nil {
			return err
		}
	}
	for _, report := range reports {
		if docsPath == "" {
			report.PrintTable(os.Stdout)
			if timelines {
				report.PrintTimelines(os.Stdout)
			}
		}
		if chartsDir != "" {
			if err := writeCharts(report, chartsDir); err != nil {
				return err
			}
		}
	}
	if docsPath == "" {
		return nil
	}
	return writeDocs(paths, reports, docsPath, docsCharts)
}

// writeDocs writes the benchmarks' page to docsPath from reports, read
// from paths, linking the results files and the charts in chartsDir
// relative to the page.
func writeDocs(paths []string, reports []*bench.Report, docsPath, chartsDir string) error {
	pageDir, err := filepath.Abs(filepath.Dir(docsPath))
	if err != nil {
		return fmt.Errorf("find the page's directory: %w", err)
	}
	link := func(p string) (string, error) {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("link %s from the page: %w", p, err)
		}
		rel, err := filepath.Rel(pageDir, abs)
		if err != nil {
			return "", fmt.Errorf("link %s from the page: %w", p, err)
		}
		return filepath.ToSlash(rel), nil
	}
	docs := bench.Docs{ChartsDir: chartsDir}
	if docs.ChartsLink, err = link(chartsDir); err != nil {
		return err
	}
	for i, path := range paths {
		l, err := link(path)
		if err != nil {
			return err
		}
		docs.Sources = append(docs.Sources, bench.DocsSource{Link: l, Report: reports[i]})
	}
	if err := docs.WriteFile(docsPath); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "stackbench: page written to", docsPath)
	return nil
}

func writeCharts(report *bench.Report, dir string) error {
	written, err := report.WriteCharts(dir)
	for _, path := range written {
		fmt.Fprintln(os.Stderr, "stackbench: chart written to", path)
	}
	if len(written) == 0 && err == nil {
		fmt.Fprintln(os.Stderr, "stackbench: no charts: the results have no samples to draw")
	}
	return err
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
