package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

func newScaleCmd(g *globalOptions, runF func(context.Context, *upOptions) error) *cobra.Command {
	opts := &upOptions{globalOptions: g, waitTimeout: orchestrator.DefaultWaitTimeout}
	cmd := &cobra.Command{
		Use:   "scale SERVICE=N",
		Short: "Run N replicas of web behind the edge load balancer, draining the ones that go",
		Long: "scale web=N converges the stack to N web replicas. Above one, web stops publishing\n" +
			"its port and the edge load balancer (nginx) takes it over, routing only to healthy\n" +
			"replicas; once the edge exists it stays, so later scaling never moves the port.\n" +
			"New replicas take traffic once healthy; removed ones are drained first.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.scale = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUp(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&g.port, "port", stack.DefaultWebPort, "host port for the edge (0: any free port)")
	cmd.Flags().BoolVar(&opts.edge, "edge", false, "keep web behind the edge load balancer even at one replica")
	addRolloutFlags(cmd, opts)
	return cmd
}
