package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type psOptions struct {
	*globalOptions
	format string
	// quiet prints IDs only, services the services' names only; all is
	// Compose's: ps lists stopped containers too.
	quiet, services, all bool
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
	cmd.Flags().BoolVarP(&opts.quiet, "quiet", "q", false, "only the containers' IDs")
	cmd.Flags().BoolVar(&opts.services, "services", false, "only the services' names")
	cmd.Flags().BoolVarP(&opts.all, "all", "a", false, "stopped containers too, as ps always lists them")
	cmd.MarkFlagsMutuallyExclusive("quiet", "services")
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
	switch {
	case opts.quiet:
		for _, c := range containers {
			fmt.Fprintln(opts.io.Out, c.ID)
		}
		return nil
	case opts.services:
		for _, name := range servicesOf(containers) {
			fmt.Fprintln(opts.io.Out, name)
		}
		return nil
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

// servicesOf names the services the containers run, once each, in order.
func servicesOf(containers []backend.ContainerStatus) []string {
	var names []string
	for _, c := range containers {
		if !slices.Contains(names, c.Service) {
			names = append(names, c.Service)
		}
	}
	return names
}
