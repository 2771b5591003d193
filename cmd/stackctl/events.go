package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type eventsOptions struct {
	*globalOptions
	json         bool
	since, until string
	services     []string
}

func newEventsCmd(g *globalOptions, runF func(context.Context, *eventsOptions) error) *cobra.Command {
	opts := &eventsOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "events [OPTIONS] [SERVICE...]",
		Short: "Receive real time events from the services' containers",
		Long: "events prints what happens to the project's containers (create, start, die,\n" +
			"kill, pause, health_status...) as it happens, until interrupted or --until,\n" +
			"as Compose does; --json prints one object per event in Compose's shape.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runEvents(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "output events as a stream of JSON objects")
	cmd.Flags().StringVar(&opts.since, "since", "", "show all events created since timestamp (Unix time, RFC 3339 date or a duration such as 10m)")
	cmd.Flags().StringVar(&opts.until, "until", "", "stream events until this timestamp")
	return cmd
}

func runEvents(ctx context.Context, opts *eventsOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	return orch.Events(ctx, st, backend.EventsOptions{
		Services: opts.services, Since: opts.since, Until: opts.until,
		Consumer: func(e backend.Event) error { return printEvent(opts.io.Out, e, opts.json) },
	})
}

// printEvent writes an event as Compose's events does: a line of text, or
// with asJSON one object with its keys.
func printEvent(w io.Writer, e backend.Event, asJSON bool) error {
	if asJSON {
		line, err := json.Marshal(map[string]any{
			"time": e.Time, "type": "container", "service": e.Service,
			"id": e.Container, "action": e.Action, "attributes": e.Attributes,
		})
		if err != nil {
			return fmt.Errorf("event of %s: %w", e.Container, err)
		}
		_, err = fmt.Fprintf(w, "%s\n", line)
		return err
	}
	var attrs []string
	for _, k := range slices.Sorted(maps.Keys(e.Attributes)) {
		attrs = append(attrs, k+"="+e.Attributes[k])
	}
	_, err := fmt.Fprintf(w, "%s container %s %s (%s)\n",
		e.Time.Format("2006-01-02 15:04:05.000000"), e.Action, e.Container, strings.Join(attrs, ", "))
	return err
}
