package main

import (
	"context"

	"github.com/spf13/cobra"
)

// pauseOptions serve pause and unpause.
type pauseOptions struct {
	*globalOptions
	unpause  bool
	services []string
}

func newPauseCmd(g *globalOptions, unpause bool, runF func(context.Context, *pauseOptions) error) *cobra.Command {
	opts := &pauseOptions{globalOptions: g, unpause: unpause}
	cmd := &cobra.Command{
		Use:   "pause [SERVICE...]",
		Short: "Pause the services' running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPause(cmd.Context(), opts)
		},
	}
	if unpause {
		cmd.Use, cmd.Short = "unpause [SERVICE...]", "Unpause the services' paused containers"
	}
	return cmd
}

func runPause(ctx context.Context, opts *pauseOptions) error {
	orch, st, err := opts.openLocked(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	if opts.unpause {
		return orch.Unpause(ctx, st, opts.services)
	}
	return orch.Pause(ctx, st, opts.services)
}
