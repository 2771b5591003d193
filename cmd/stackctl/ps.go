package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type psOptions struct {
	*globalOptions
	format string
	// statuses keeps the containers in these states (--status, --filter
	// status=); services keeps those of the named services.
	statuses     []string
	filters      []string
	onlyServices []string
	// quiet prints IDs only, services the services' names only; all is
	// Compose's: ps lists stopped containers too. noTrunc keeps json's and
	// templates' IDs, commands and mounts whole.
	quiet, services, all, noTrunc bool
}

func newPsCmd(g *globalOptions, runF func(context.Context, *psOptions) error) *cobra.Command {
	opts := &psOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS] [SERVICE...]",
		Short: "List the stack's containers: state, health, restart policy and count, ports, uptime",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.onlyServices = args
			if _, err := parseFormat(opts.format); err != nil {
				return err
			}
			if err := opts.parseFilters(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPs(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "table", "output format: table, json (Compose's container summary, an object a line) or a Go template of its fields ('table TEMPLATE' with headers)")
	cmd.Flags().StringArrayVar(&opts.statuses, "status", nil, "filter services by status: paused, restarting, removing, running, dead, created or exited (repeatable)")
	cmd.Flags().StringArrayVar(&opts.filters, "filter", nil, "filter services by a property: status=STATUS (repeatable)")
	cmd.Flags().BoolVarP(&opts.quiet, "quiet", "q", false, "only the containers' IDs")
	cmd.Flags().BoolVar(&opts.services, "services", false, "only the services' names")
	cmd.Flags().BoolVar(&opts.noTrunc, "no-trunc", false, "don't truncate IDs, commands and mounts in json and templates")
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
	if err := backend.CheckServices(st, opts.onlyServices); err != nil {
		return err
	}
	containers = opts.keep(containers)
	format, _ := parseFormat(opts.format)
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
	if format.custom() || format.json {
		return printSummaries(opts.io.Out, format, psSummaries(st.Project, containers, time.Now(), !opts.noTrunc))
	}
	return printTable(opts.io.Out, containers, time.Now())
}

// printSummaries writes the summaries as `docker compose ps` does: with
// json, one compact object a line (no array); else through the template.
func printSummaries(w io.Writer, format outputFormat, summaries []psSummary) error {
	if !format.json {
		return executeRows(format, w, psHeaders, summaries)
	}
	enc := json.NewEncoder(w)
	for _, s := range summaries {
		if err := enc.Encode(s); err != nil {
			return err
		}
	}
	return nil
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

// psStatuses are the states --status and --filter status= take, as
// Compose's.
var psStatuses = []string{"paused", "restarting", "removing", "running", "dead", "created", "exited"}

// parseFilters checks --status and turns --filter status=S into one.
func (opts *psOptions) parseFilters() error {
	for _, f := range opts.filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok || key != "status" {
			return fmt.Errorf("--filter %q: want status=STATUS (the only filter ps supports)", f)
		}
		opts.statuses = append(opts.statuses, value)
	}
	for _, s := range opts.statuses {
		if !slices.Contains(psStatuses, s) {
			return fmt.Errorf("--status %q: want one of %s", s, strings.Join(psStatuses, ", "))
		}
	}
	return nil
}

// keep leaves the containers of the named services in the asked states.
func (opts *psOptions) keep(containers []backend.ContainerStatus) []backend.ContainerStatus {
	return slices.DeleteFunc(slices.Clone(containers), func(c backend.ContainerStatus) bool {
		return (len(opts.statuses) > 0 && !slices.Contains(opts.statuses, c.State)) ||
			(len(opts.onlyServices) > 0 && !slices.Contains(opts.onlyServices, c.Service))
	})
}
