package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type downOptions struct {
	*globalOptions
	volumes bool
	timeout time.Duration
	// removeOrphans is Compose's: down removes every container of the
	// project, orphans included.
	removeOrphans bool
	// rmi is Compose's --rmi: local or all.
	rmi string
}

func newDownCmd(g *globalOptions, runF func(context.Context, *downOptions) error) *cobra.Command {
	opts := &downOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop and remove the stack's containers and network (and volumes with -v)",
		Long: "down removes what up made, dependents first. Only resources labelled as this\n" +
			"project's are touched. Without -v, the database volume and its data stay.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.rmi != "" && opts.rmi != backend.RmiLocal && opts.rmi != backend.RmiAll {
				return fmt.Errorf("--rmi %q: want local (the images the project builds) or all (every image its services run)", opts.rmi)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDown(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.volumes, "volumes", "v", false, "also remove the project's named volumes (their data is lost)")
	cmd.Flags().VarP((*secondsValue)(&opts.timeout), "timeout", "t", "stop timeout for every container, in seconds (10) or as a duration (10s) (default: each service's grace period)")
	cmd.Flags().StringVar(&opts.rmi, "rmi", "", `remove images used by services: "local" (the images the project builds, named by Compose's default) or "all"`)
	cmd.Flags().BoolVar(&opts.removeOrphans, "remove-orphans", false, "remove containers of services the compose file no longer has, as down always does")
	return cmd
}

func runDown(ctx context.Context, opts *downOptions) error {
	orch, st, err := opts.openLocked(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	began := time.Now()
	if err := orch.Down(ctx, st, backend.DownOptions{Volumes: opts.volumes, Timeout: opts.timeout, Images: opts.rmi}); err != nil {
		return err
	}
	orch.finished("stack "+st.ProjectName(), "down", began)
	return nil
}
