package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/orchestrator"
)

type watchOptions struct {
	*globalOptions
	services []string
	// up is how the stack is brought up before the watch begins; nil
	// leaves it as it is (--no-up).
	up *backend.UpOptions
	// keepReplaced keeps the images rebuilds replace (--prune=false).
	keepReplaced bool
}

func newWatchCmd(g *globalOptions, runF func(context.Context, *watchOptions) error) *cobra.Command {
	opts := &watchOptions{globalOptions: g}
	var noUp, prune, quiet bool
	cmd := &cobra.Command{
		Use:   "watch [SERVICE...]",
		Short: "Bring the stack up, then follow develop.watch: sync, restart or rebuild as files change",
		Long: "watch brings the services up (unless --no-up), then follows their develop.watch\n" +
			"triggers until interrupted: changed files are synced into the running containers\n" +
			"through the engine's archive API (deleted ones deleted there), the containers\n" +
			"restarted or sent an exec, or the image rebuilt and the containers replaced as\n" +
			"up replaces them. Interrupting it leaves the stack running. On a swarm\n" +
			"(--swarm --registry R) a rebuild pushes the image and updates the service\n" +
			"start-first, a restart replaces its tasks, and sync triggers are refused.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			opts.keepReplaced = !prune
			g.hideBuildOutput = quiet
			if !noUp {
				opts.up = &backend.UpOptions{Services: args, WaitTimeout: backend.DefaultWaitTimeout}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWatch(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&noUp, "no-up", false, "do not bring the services up first: watch them as they are")
	cmd.Flags().BoolVar(&prune, "prune", true, "remove the image a rebuild replaced, when the project built it and nothing uses it")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "hide the images' build steps; what was built, and a failed step, still show")
	return cmd
}

// runWatch holds the project's lock only while it changes the stack: for
// the first up, then for each batch of changes, so other commands run
// between them. Triggers the backend cannot carry out (a swarm's syncs)
// are refused before the stack is brought up.
func runWatch(ctx context.Context, opts *watchOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	if err := orch.CheckWatch(st, opts.services); err != nil {
		return err
	}
	if opts.up != nil {
		began := time.Now()
		unlock, err := orch.Lock(ctx, st.Project, opts.lockWait)
		if err != nil {
			return err
		}
		res, err := orch.Up(ctx, st, *opts.up)
		unlock()
		if err != nil {
			return err
		}
		orch.finished("stack "+st.ProjectName(), "up", began)
		if err := printSummary(opts.io.Out, res.Containers, orch.engineHost); err != nil {
			return err
		}
	}
	return orch.Watch(ctx, st, orchestrator.WatchOptions{Services: opts.services, LockWait: opts.lockWait, KeepReplacedImages: opts.keepReplaced})
}
