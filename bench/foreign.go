package bench

import (
	"context"
	"fmt"
	"strconv"
)

// The foreign file (bench/foreign/compose.yaml) is a compose file no part of
// stackctl knows: services that wait for each other's healthchecks, which
// the engine runs every 10 s, and an nginx front on FRONT_PORT. Each round
// times, for each tool in its own project, an up from nothing until the
// command returned and the front answers 200, then down -v.

// foreignEnv is the foreign file's interpolation environment for one tool:
// only the front's port differs between the two.
func foreignEnv(port int) map[string]string {
	return map[string]string{"FRONT_PORT": strconv.Itoa(port)}
}

// setUpForeign binds each tool to its own project and free port for the
// foreign file, and checks that every image the file runs is present.
func (r *Runner) setUpForeign(ctx context.Context) error {
	projects := []string{r.cfg.ForeignStackctlProject, r.cfg.ForeignComposeProject}
	var setups [2]StackSetup
	for i, project := range projects {
		port, err := r.freePort()
		if err != nil {
			return err
		}
		setups[i] = StackSetup{ComposeFile: r.cfg.ForeignFile, Project: project, Env: foreignEnv(port), Port: port}
	}
	stackctl, err := NewStackctl(ctx, r.cfg.StackctlBin, setups[0])
	if err != nil {
		return fmt.Errorf("the foreign file: %w", err)
	}
	compose, err := NewCompose(ctx, r.cfg.StackctlBin, setups[1])
	if err != nil {
		return fmt.Errorf("the foreign file: %w", err)
	}
	for _, ref := range stackctl.Names.Images {
		if _, err := r.eng.ImageInspect(ctx, ref); err != nil {
			return fmt.Errorf("image %s of %s must be present (the benchmark never pulls): %w", ref, r.cfg.ForeignFile, err)
		}
	}
	r.foreign = []*Tool{stackctl, compose}
	for _, t := range r.foreign {
		info := r.report.Tools[t.Name]
		info.Version = t.Version
		info.ForeignProject, info.ForeignPort = t.Project, t.Port
		r.report.Tools[t.Name] = info
		r.logf("%-8s foreign file: project %s, front on 127.0.0.1:%d", t.Name, t.Project, t.Port)
	}
	return nil
}

// prepareForeign clears what an interrupted earlier run of the same
// projects may have left, so the first up starts from nothing.
func (r *Runner) prepareForeign(ctx context.Context) error {
	for _, t := range r.foreign {
		r.logf("preparing %s for the foreign file: down -v", t.Name)
		if _, err := t.Down(ctx, true); err != nil {
			return fmt.Errorf("clear %s's previous stack of the foreign file: %w", t.Name, err)
		}
	}
	return nil
}

// foreignRound runs both tools' foreign cycles, taking turns.
func (r *Runner) foreignRound(ctx context.Context, round int) {
	for _, t := range inTurn(r.foreign, round) {
		if ctx.Err() != nil {
			return
		}
		if err := r.foreignCycle(ctx, round, t); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.fail(round, t.Name, fmt.Errorf("foreign file: %w", err))
			r.reset(ctx, t)
		}
	}
}

// foreignCycle: up from nothing (no container, network or volume of the
// project; images present) until the front answers 200, then down -v.
func (r *Runner) foreignCycle(ctx context.Context, round int, t *Tool) error {
	left, err := leftovers(ctx, r.eng, t.resources())
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("up from nothing: %v already exist", left)
	}
	if err := r.measureUp(ctx, round, t, metricForeignUp); err != nil {
		return fmt.Errorf("up from nothing: %w", err)
	}
	if err := r.measureDown(ctx, round, t, metricForeignDown); err != nil {
		return fmt.Errorf("down -v: %w", err)
	}
	return nil
}
