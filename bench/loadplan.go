package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// The load suite: what reading the compose file costs stackctl, which the
// issue allows 20 ms of a no-op up. Every `stackctl up` pays it in a new
// process (compose-go's first load compiles its schema), so the suite
// times new processes of the binary under test, on the built-in stack's
// file (the one the no-op up scenario runs) with the variables the
// benchmark gives stackctl: `stackctl config --services`, which loads the
// file and validates it, start order included, and, taking turns with it,
// `stackctl --help`, the same binary's start with no file read. The
// difference of their medians is what the file costs; the start itself
// is no part of the target.
const (
	loadTarget = 20 * time.Millisecond
	// loadProcesses is how many processes of each command a round runs.
	loadProcesses = 5
	loadTimeout   = time.Minute
)

// loadCommands are the suite's commands, each with its metric, in the
// order a round runs them.
var loadCommands = []struct {
	metric string
	args   []string
}{
	{metricLoadConfig, []string{"config", "--services"}},
	{metricLoadStart, []string{"--help"}},
}

// setUpLoad binds stackctl to the built-in file in the stackctl project,
// with the repository's app/ as build context (loading reads nothing in
// it). The suite makes nothing on the engine.
func (r *Runner) setUpLoad(ctx context.Context) error {
	t, err := NewStackctl(ctx, r.cfg.StackctlBin, StackSetup{
		ComposeFile: r.cfg.ComposeFile, Project: r.cfg.StackctlProject,
		Env: builtinEnv(r.cfg.RepoDir, filepath.Join(r.cfg.RepoDir, "app"), 0),
	})
	if err != nil {
		return fmt.Errorf("the load suite: %w", err)
	}
	r.loader = t
	return nil
}

// loadRound runs loadProcesses processes of each of loadCommands, taking
// turns, and records each one's time from its start to its exit.
func (r *Runner) loadRound(ctx context.Context, round int) {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	for range loadProcesses {
		for _, c := range loadCommands {
			run, err := r.loader.run(ctx, c.args)
			if err != nil {
				if ctx.Err() == nil {
					r.fail(round, "stackctl", fmt.Errorf("the load suite: %w", err))
				}
				return
			}
			r.record(Sample{Round: round, Tool: "stackctl", Metric: c.metric, Value: millis(run.Took), Unit: unitMillis})
		}
	}
}

// loadCheck judges the target for loading: the config command's
// median less the bare start's. Runs from before the suite drove the
// binary timed loading and planning in a probe process of their own
// (metricLoadPlan), without its start: those are judged as they are.
func (r *Report) loadCheck() Check {
	c := Check{Name: fmt.Sprintf("loading the file under %s", loadTarget), Detail: "not measured"}
	config, okConfig := r.summary(metricLoadConfig, "stackctl")
	start, okStart := r.summary(metricLoadStart, "stackctl")
	if okConfig && okStart {
		cost := config.Median - start.Median
		c.Measured, c.Pass = true, cost < millis(loadTarget)
		c.Detail = fmt.Sprintf("%.1fms = config %.1fms less start %.1fms", cost, config.Median, start.Median)
		return c
	}
	if plan, ok := r.summary(metricLoadPlan, "stackctl"); ok {
		c.Measured, c.Pass = true, plan.Median < millis(loadTarget)
		c.Detail = fmt.Sprintf("%.1fms (load + plan in a probe process)", plan.Median)
	}
	return c
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
