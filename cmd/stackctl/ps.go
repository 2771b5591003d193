package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type psOptions struct {
	*globalOptions
	format string
}

func newPsCmd(g *globalOptions, runF func(context.Context, *psOptions) error) *cobra.Command {
	opts := &psOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List the stack's containers: state, health, restart policy and count, ports, uptime",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.format != "table" && opts.format != "json" {
				return fmt.Errorf("--format %q: want table or json", opts.format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPs(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "table", "output format: table or json")
	return cmd
}

func runPs(ctx context.Context, opts *psOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	containers, err := orch.PS(ctx, st)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		if containers == nil {
			containers = []backend.ContainerStatus{}
		}
		enc := json.NewEncoder(opts.io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(containers)
	}
	return printTable(opts.io.Out, containers, time.Now())
}
