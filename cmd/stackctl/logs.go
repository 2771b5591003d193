package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type logsOptions struct {
	*globalOptions
	follow   bool
	tail     int
	services []string
}

func newLogsCmd(g *globalOptions, runF func(context.Context, *logsOptions) error) *cobra.Command {
	opts := &logsOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "logs [SERVICE...]",
		Short: "Show the services' logs, merged and prefixed by container",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogs(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.follow, "follow", "f", false, "keep following new lines")
	cmd.Flags().IntVar(&opts.tail, "tail", -1, "lines from the end of each container's log (-1: all)")
	return cmd
}

func runLogs(ctx context.Context, opts *logsOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	return orch.Logs(ctx, st, backend.LogsOptions{Services: opts.services, Follow: opts.follow, Tail: opts.tail}, opts.io.Out)
}
