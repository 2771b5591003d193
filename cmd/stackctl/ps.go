package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docker/go-units"

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
	// Compose's: ps lists stopped containers too.
	quiet, services, all bool
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
	cmd.Flags().StringVar(&opts.format, "format", "table", "output format: table, json (stackctl's fields, one array), 'table TEMPLATE' or a Go template of Compose's fields: .ID .Name .Names .Service .Project .State .Status .Health .ExitCode .Ports .RunningFor")
	cmd.Flags().StringArrayVar(&opts.statuses, "status", nil, "filter services by status: paused, restarting, removing, running, dead, created or exited (repeatable)")
	cmd.Flags().StringArrayVar(&opts.filters, "filter", nil, "filter services by a property: status=STATUS (repeatable)")
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
	if format.custom() {
		return format.execute(opts.io.Out, psHeaders, psRows(st.Project, containers, time.Now()))
	}
	if format.json {
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

// psHeaders are Compose's ps column headers, by template field.
var psHeaders = map[string]any{
	"ID": "CONTAINER ID", "Name": "NAME", "Names": "NAMES", "Service": "SERVICE", "Project": "PROJECT",
	"State": "STATE", "Status": "STATUS", "Health": "HEALTH", "ExitCode": "EXIT CODE", "Ports": "PORTS",
	"RunningFor": "CREATED", "Replica": "REPLICA",
}

// psRows are the containers with Compose's ps fields, for a template.
func psRows(project string, containers []backend.ContainerStatus, now time.Time) []map[string]any {
	rows := make([]map[string]any, len(containers))
	for i, c := range containers {
		status := c.State
		switch {
		case c.State == "running" && !c.StartedAt.IsZero():
			status = "Up " + units.HumanDuration(now.Sub(c.StartedAt))
			if c.Health != "" {
				status += " (" + c.Health + ")"
			}
		case c.State == "exited":
			status = fmt.Sprintf("Exited (%d)", c.ExitCode)
		}
		var published []string
		for _, p := range c.Ports {
			published = append(published, fmt.Sprintf("%s:%d->%d/%s", hostOrAny(p.HostIP), p.HostPort, p.ContainerPort, p.Protocol))
		}
		running := ""
		if !c.StartedAt.IsZero() {
			running = units.HumanDuration(now.Sub(c.StartedAt)) + " ago"
		}
		rows[i] = map[string]any{
			"ID": c.ID, "Name": c.Name, "Names": c.Name, "Service": c.Service, "Project": project,
			"State": c.State, "Status": status, "Health": c.Health, "ExitCode": c.ExitCode,
			"Ports": strings.Join(published, ", "), "RunningFor": running, "Replica": c.Replica,
		}
	}
	return rows
}
