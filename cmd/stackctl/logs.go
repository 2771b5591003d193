package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

type logsOptions struct {
	*globalOptions
	follow, timestamps, noPrefix bool
	tail, index                  int
	since, until                 string
	services                     []string
}

func newLogsCmd(g *globalOptions, runF func(context.Context, *logsOptions) error) *cobra.Command {
	opts := &logsOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "logs [SERVICE...]",
		Short: "Show the services' logs, merged and prefixed by container",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogs(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.follow, "follow", "f", false, "keep following new lines")
	cmd.Flags().IntVarP(&opts.tail, "tail", "n", -1, "lines from the end of each container's log (-1: all)")
	cmd.Flags().BoolVarP(&opts.timestamps, "timestamps", "t", false, "start each line with the time the engine received it")
	cmd.Flags().StringVar(&opts.since, "since", "", "lines since a time (2026-01-02T15:04:05Z, 2026-01-02, Unix seconds) or a duration ago (42m)")
	cmd.Flags().StringVar(&opts.until, "until", "", "lines before a time or a duration ago, as --since")
	cmd.Flags().BoolVar(&opts.noPrefix, "no-log-prefix", false, "leave out the container's name before each line")
	cmd.Flags().IntVar(&opts.index, "index", 0, "only this replica of each service (1-based; 0: all)")
	return cmd
}

func runLogs(ctx context.Context, opts *logsOptions) error {
	now := time.Now()
	since, err := parseLogTime("--since", opts.since, now)
	if err != nil {
		return err
	}
	until, err := parseLogTime("--until", opts.until, now)
	if err != nil {
		return err
	}
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	return orch.Logs(ctx, st, backend.LogsOptions{
		Services: logged(st, opts.services), Follow: opts.follow, Tail: opts.tail,
		Since: since, Until: until, Timestamps: opts.timestamps, NoPrefix: opts.noPrefix, Index: opts.index,
	}, opts.io.Out)
}

// logged are the services whose output logs shows: those named, else
// every one but those with attach: false, as Compose's logs has it (and,
// as there, every one when all have it).
func logged(st *stack.Stack, named []string) []string {
	if len(named) > 0 {
		return named
	}
	var out []string
	for _, svc := range st.Services {
		if !svc.NoAttach {
			out = append(out, svc.Name)
		}
	}
	if len(out) == len(st.Services) {
		return nil
	}
	return out
}

// parseLogTime reads a --since or --until value as the docker CLI does: a
// duration before now, an RFC 3339 time, a date, or Unix seconds. Empty is
// the zero time: no bound.
func parseLogTime(flag, value string, now time.Time) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(value); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, value, time.Local); err == nil {
			return t, nil
		}
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil {
		return time.Unix(0, int64(secs*float64(time.Second))), nil
	}
	return time.Time{}, fmt.Errorf("%s %q: want a duration (42m), an RFC 3339 time (2026-01-02T15:04:05Z), a date (2026-01-02) or Unix seconds", flag, value)
}
