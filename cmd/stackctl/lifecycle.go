package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

// lifecycleOptions serve stop, start and restart.
type lifecycleOptions struct {
	*globalOptions
	action      string
	services    []string
	timeout     time.Duration
	waitTimeout time.Duration
}

func newLifecycleCmd(g *globalOptions, action, short string, runF func(context.Context, *lifecycleOptions) error) *cobra.Command {
	opts := &lifecycleOptions{globalOptions: g, action: action}
	cmd := &cobra.Command{
		Use:   action + " [SERVICE...]",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLifecycle(cmd.Context(), opts)
		},
	}
	if action != "start" {
		cmd.Flags().DurationVar(&opts.timeout, "timeout", 0, "stop timeout (default: each service's grace period)")
	}
	if action != "stop" {
		cmd.Flags().DurationVar(&opts.waitTimeout, "wait-timeout", backend.DefaultWaitTimeout, "how long to wait for each service to be healthy")
	}
	return cmd
}

func runLifecycle(ctx context.Context, opts *lifecycleOptions) error {
	orch, st, err := opts.openLocked(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	switch opts.action {
	case "stop":
		return orch.Stop(ctx, st, opts.services, opts.timeout)
	case "start":
		return orch.Start(ctx, st, opts.services, opts.waitTimeout)
	default:
		return orch.Restart(ctx, st, opts.services, opts.timeout, opts.waitTimeout)
	}
}
