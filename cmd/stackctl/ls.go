package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type lsOptions struct {
	*globalOptions
	format  string
	filters []string
	// quiet prints the projects' names only; all lists stopped projects
	// too.
	quiet, all bool
}

func newLsCmd(g *globalOptions, runF func(context.Context, *lsOptions, backend.ListOptions) error) *cobra.Command {
	opts := &lsOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the engine's Compose projects, stackctl's and Compose's, with their status and files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := opts.listOptions()
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts, list)
			}
			return runLs(cmd.Context(), opts, list)
		},
	}
	cmd.Flags().StringVar(&opts.format, "format", "table", "output format: table, json, 'table TEMPLATE' or a Go template of .Name .Status .ConfigFiles")
	cmd.Flags().BoolVarP(&opts.quiet, "quiet", "q", false, "only the projects' names")
	cmd.Flags().BoolVarP(&opts.all, "all", "a", false, "stopped projects too")
	cmd.Flags().StringArrayVar(&opts.filters, "filter", nil, "keep projects matching it: name=NAME (a name or a regular expression)")
	return cmd
}

// listOptions checks the flags as Compose does, and turns them into the
// library's options.
func (opts *lsOptions) listOptions() (backend.ListOptions, error) {
	if _, err := parseFormat(opts.format); err != nil {
		return backend.ListOptions{}, err
	}
	list := backend.ListOptions{All: opts.all}
	for _, f := range opts.filters {
		key, value, ok := strings.Cut(f, "=")
		switch {
		case !ok:
			return list, fmt.Errorf("--filter %q: bad format of filter (expected name=value)", f)
		case key != "name":
			return list, fmt.Errorf("--filter %q: invalid filter '%s': only name is supported", f, key)
		}
		list.Names = append(list.Names, value)
	}
	return list, nil
}

func runLs(ctx context.Context, opts *lsOptions, list backend.ListOptions) error {
	orch, err := opts.connect(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	projects, err := orch.List(ctx, list)
	if err != nil {
		return err
	}
	return printProjects(opts, projects)
}

// printProjects writes the projects as `docker compose ls` does: names
// only, JSON on one line, or its table.
func printProjects(opts *lsOptions, projects []backend.ProjectSummary) error {
	switch {
	case opts.quiet:
		for _, p := range projects {
			fmt.Fprintln(opts.io.Out, p.Name)
		}
		return nil
	case lsTemplate(opts.format).custom():
		rows := make([]map[string]any, len(projects))
		for i, p := range projects {
			rows[i] = map[string]any{"Name": p.Name, "Status": p.Status, "ConfigFiles": p.ConfigFiles}
		}
		return lsTemplate(opts.format).execute(opts.io.Out, map[string]any{"Name": "NAME", "Status": "STATUS", "ConfigFiles": "CONFIG FILES"}, rows)
	case opts.format == "json":
		if projects == nil {
			projects = []backend.ProjectSummary{}
		}
		enc := json.NewEncoder(opts.io.Out)
		enc.SetEscapeHTML(false)
		return enc.Encode(projects)
	}
	tw := tabwriter.NewWriter(opts.io.Out, 20, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATUS\tCONFIG FILES")
	for _, p := range projects {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Name, p.Status, p.ConfigFiles)
	}
	return tw.Flush()
}

// lsTemplate is --format as parseFormat reads it; listOptions has checked
// it parses.
func lsTemplate(format string) outputFormat {
	f, _ := parseFormat(format)
	return f
}
