package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type topOptions struct {
	*globalOptions
	services []string
}

func newTopCmd(g *globalOptions, runF func(context.Context, *topOptions) error) *cobra.Command {
	opts := &topOptions{globalOptions: g}
	return &cobra.Command{
		Use:   "top [SERVICE...]",
		Short: "Display the running processes of the services' containers",
		Long: "top lists the processes of each running container of the services (all when\n" +
			"none named) in one table, as Compose does: the service, the replica (#), then\n" +
			"the columns of the engine's ps, the command last.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTop(cmd.Context(), opts)
		},
	}
}

func runTop(ctx context.Context, opts *topOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	procs, err := orch.Top(ctx, st, opts.services)
	if err != nil {
		return err
	}
	return printTop(opts.io.Out, procs)
}

// printTop writes Compose's top table: SERVICE and # first, then every ps
// column in the order first seen (containers may differ in columns; a row
// without one shows -), CMD last.
func printTop(w io.Writer, procs []backend.Processes) error {
	procs = slices.Clone(procs)
	slices.SortFunc(procs, func(a, b backend.Processes) int { return cmp.Compare(a.Container, b.Container) })
	header := []string{"SERVICE", "#"}
	var rows []map[string]string
	for _, p := range procs {
		for _, title := range p.Titles {
			if !slices.Contains(header, title) {
				header = append(header, title)
			}
		}
		for _, proc := range p.Rows {
			row := map[string]string{"SERVICE": p.Service, "#": strconv.Itoa(p.Replica)}
			for i, title := range p.Titles {
				if i < len(proc) {
					row[title] = proc[i]
				}
			}
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if i := slices.Index(header, "CMD"); i >= 0 {
		header = append(slices.Delete(header, i, i+1), "CMD")
	}
	tw := tabwriter.NewWriter(w, 4, 1, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, row := range rows {
		cells := make([]string, len(header))
		for i, title := range header {
			v, ok := row[title]
			if !ok {
				v = "-"
			}
			cells[i] = v
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
