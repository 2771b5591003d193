// Command stackbench times stackctl against Docker Compose on the same stack
// and the same engine: see package bench. Run it from the repository root
// (`make bench`); it needs root, a local engine and the stack's images.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
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
		cfg      bench.Config
		jsonPath string
	)
	flag.IntVar(&cfg.Rounds, "rounds", 5, "rounds per scenario and tool")
	flag.StringVar(&jsonPath, "json", "", "also write the results as JSON to this path")
	flag.StringVar(&cfg.RepoDir, "repo", ".", "repository root (its app/ is copied, never changed)")
	flag.StringVar(&cfg.StackctlBin, "stackctl", "bin/stackctl", "the stackctl binary to measure")
	flag.StringVar(&cfg.ComposeFile, "compose-file", "internal/stack/builtin/compose.yaml", "the compose file both tools run")
	flag.StringVar(&cfg.StackctlProject, "stackctl-project", "bench-s", "stackctl's project name")
	flag.StringVar(&cfg.ComposeProject, "compose-project", "bench-c", "Compose's project name (and name prefix)")
	flag.DurationVar(&cfg.LoadMax, "load-max", bench.DefaultLoadMax, "longest a redeploy (image build included) and its client loop (a request every 10ms) may take")
	skip := flag.String("skip", "", "comma-separated scenarios not to run: "+strings.Join(bench.Skippable, ", "))
	timelines := flag.Bool("timelines", true, "print stackctl's progress timeline of each median run")
	flag.Parse()
	if cfg.Rounds < 1 {
		return fmt.Errorf("-rounds %d: want at least 1", cfg.Rounds)
	}
	if cfg.StackctlProject == cfg.ComposeProject {
		return fmt.Errorf("the two tools need distinct projects, both are %q", cfg.StackctlProject)
	}
	for _, p := range []*string{&cfg.RepoDir, &cfg.StackctlBin, &cfg.ComposeFile} {
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
	if report != nil && len(report.Samples) > 0 {
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
	if runErr == nil && report != nil && len(report.Errors) > 0 {
		runErr = fmt.Errorf("%d scenarios failed (listed above)", len(report.Errors))
	}
	return runErr
}
