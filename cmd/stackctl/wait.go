package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/orchestrator"
)

type waitOptions struct {
	*globalOptions
	downProject bool
	services    []string
}

func newWaitCmd(g *globalOptions, runF func(context.Context, *waitOptions) error) *cobra.Command {
	opts := &waitOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "wait [--down-project] SERVICE...",
		Short: "Block until the services' containers stop, and exit with the first one's exit code",
		Long: "wait returns once every container of the services has stopped, printing each\n" +
			"one's exit code as it stops, and exits with the code of the first to stop.\n" +
			"--down-project then takes the project down, as down does.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runWait(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.downProject, "down-project", false, "take the project down once the containers have stopped")
	return cmd
}

func runWait(ctx context.Context, opts *waitOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	exits, err := orch.Wait(ctx, st, orchestrator.WaitOptions{
		WaitOptions: backend.WaitOptions{Services: opts.services, Exited: func(e backend.Exit) {
			fmt.Fprintf(opts.io.Out, "container %q exited with status code %d\n", e.Container, e.ExitCode)
		}},
		DownProject: opts.downProject, LockWait: opts.lockWait,
	})
	if err != nil {
		return err
	}
	return exitCode(exits[0].ExitCode)
}
