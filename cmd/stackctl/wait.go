package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
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
		Short: "Block until the services' containers stop, and exit with the last one's exit code",
		Long: "wait returns once every container of the services has stopped, printing each\n" +
			"one's exit code as it stops, and exits with the code of the last to stop, as\n" +
			"Compose does.\n" +
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
	exits, err := waitForExits(ctx, opts)
	if err != nil {
		return err
	}
	if opts.downProject {
		// The lock is the down's alone, taken as every down takes it: a
		// wait may last for hours, and the run that makes the services stop
		// needs the lock meanwhile.
		if err := runDown(ctx, &downOptions{globalOptions: opts.globalOptions}); err != nil {
			return err
		}
	}
	return exitCode(exits[len(exits)-1].ExitCode)
}

// waitForExits waits for the services' containers to stop, printing each
// exit as it comes.
func waitForExits(ctx context.Context, opts *waitOptions) ([]backend.Exit, error) {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return nil, err
	}
	defer orch.close()
	return orch.Wait(ctx, st, backend.WaitOptions{Services: opts.services, Exited: func(e backend.Exit) {
		fmt.Fprintf(opts.io.Out, "container %q exited with status code %d\n", e.Container, e.ExitCode)
	}})
}
