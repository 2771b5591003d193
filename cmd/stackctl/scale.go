package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

func newScaleCmd(g *globalOptions, runF func(context.Context, *upOptions) error) *cobra.Command {
	opts := &upOptions{globalOptions: g, waitTimeout: secondsValue(backend.DefaultWaitTimeout)}
	cmd := &cobra.Command{
		Use:   "scale SERVICE=N...",
		Short: "Run N replicas of services, behind their edge load balancer where declared",
		Long: "scale SERVICE=N converges the stack to N replicas of the service. A service that\n" +
			"declares x-stackctl.edge stops publishing its port above one replica, and its edge\n" +
			"load balancer (nginx) takes it over, routing only to healthy replicas; once the edge\n" +
			"exists it stays, so later scaling never moves the port. New replicas take traffic\n" +
			"once healthy; removed ones are drained first. A service that cannot run several\n" +
			"replicas (container_name, a fixed host port without an edge, a single_writer\n" +
			"volume) is refused with the reason.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.scale = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUp(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.edge, "edge", false, "keep services that declare x-stackctl.edge behind their edge even at one replica")
	addRolloutFlags(cmd, opts)
	return cmd
}
