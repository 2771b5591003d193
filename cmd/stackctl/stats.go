package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type statsOptions struct {
	*globalOptions
	all, noStream, noTrunc bool
	format                 string
	services               []string
}

func newStatsCmd(g *globalOptions, runF func(context.Context, *statsOptions, outputFormat) error) *cobra.Command {
	opts := &statsOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [SERVICE]",
		Short: "Display a live stream of the containers' resource usage",
		Long: "stats shows what the service's containers (all the project's when none is\n" +
			"named) use: CPU, memory, network and block I/O, PIDs, as docker stats does,\n" +
			"refreshed until interrupted, or once with --no-stream.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			format, err := parseFormat(opts.format)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts, format)
			}
			return runStats(cmd.Context(), opts, format)
		},
	}
	cmd.Flags().BoolVarP(&opts.all, "all", "a", false, "show all containers (default shows just running)")
	cmd.Flags().StringVar(&opts.format, "format", "", "table (default), json, 'table TEMPLATE' or a Go template: .Container .Name .ID .CPUPerc .MemUsage .MemPerc .NetIO .BlockIO .PIDs")
	cmd.Flags().BoolVar(&opts.noStream, "no-stream", false, "disable streaming stats and only pull the first result")
	cmd.Flags().BoolVar(&opts.noTrunc, "no-trunc", false, "do not truncate output")
	return cmd
}

func runStats(ctx context.Context, opts *statsOptions, format outputFormat) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	// A stream on a terminal redraws the table in place, as docker stats.
	redraw := !opts.noStream && opts.io.OutIsTerminal
	return orch.Stats(ctx, st, backend.StatsOptions{
		Services: opts.services, All: opts.all, Stream: !opts.noStream,
		Consumer: func(usage []backend.Usage) error {
			if redraw {
				fmt.Fprint(opts.io.Out, "\033[2J\033[H")
			}
			return printStats(opts.io.Out, usage, format, opts.noTrunc)
		},
	})
}

// statsHeaders are docker stats' column headers, by template field.
var statsHeaders = map[string]any{
	"Container": "CONTAINER", "Name": "NAME", "ID": "CONTAINER ID", "CPUPerc": "CPU %",
	"MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
}

// printStats writes one round of samples in docker stats' table, its JSON
// lines or the user's template.
func printStats(w io.Writer, usage []backend.Usage, format outputFormat, noTrunc bool) error {
	rows := make([]map[string]any, len(usage))
	for i, u := range usage {
		id := u.ID
		if !noTrunc && len(id) > 12 {
			id = id[:12]
		}
		rows[i] = map[string]any{
			"Container": id, "Name": u.Name, "ID": id,
			"CPUPerc":  fmt.Sprintf("%.2f%%", u.CPUPercent),
			"MemUsage": units.BytesSize(float64(u.MemUsage)) + " / " + units.BytesSize(float64(u.MemLimit)),
			"MemPerc":  fmt.Sprintf("%.2f%%", u.MemPercent),
			"NetIO":    decimalSize(u.NetRx) + " / " + decimalSize(u.NetTx),
			"BlockIO":  decimalSize(u.BlockRead) + " / " + decimalSize(u.BlockWrite),
			"PIDs":     strconv.FormatUint(u.PIDs, 10),
		}
	}
	switch {
	case format.custom():
		return format.execute(w, statsHeaders, rows)
	case format.json:
		for _, row := range rows {
			line, err := json.Marshal(row)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s\n", line)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r["ID"], r["Name"], r["CPUPerc"], r["MemUsage"], r["MemPerc"], r["NetIO"], r["BlockIO"], r["PIDs"])
	}
	return tw.Flush()
}

// decimalSize is a byte count as docker stats shows I/O: 1.2kB, 3.4MB.
func decimalSize(n uint64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
