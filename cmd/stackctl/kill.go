package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type killOptions struct {
	*globalOptions
	service     string
	replica     string
	signal      string
	noWait      bool
	waitTimeout time.Duration
	format      string
}

func newKillCmd(g *globalOptions, runF func(context.Context, *killOptions) error) *cobra.Command {
	opts := &killOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "kill SERVICE [REPLICA]",
		Short: "Crash a service's container and watch its restart policy bring it back",
		Long: "kill makes the container die the way a crash does: SIGKILL to its main process\n" +
			"from outside the engine's API. The engine sees the process die and applies the\n" +
			"restart policy; kill then prints the timeline: crashed, restarted, healthy, and\n" +
			"the services that depend on it serving again. It exits 0 once the service is back.\n\n" +
			"For a scaled service it crashes one replica: the first running one, or the one\n" +
			"named (container name, or SERVICE-N).\n\n" +
			"--signal SIG sends the signal through the API instead, as `docker kill` does. The\n" +
			"engine records that as a manual stop, so NO restart policy restarts the container.\n\n" +
			"Restart policies: \"always\" and \"unless-stopped\" restart after a crash and differ\n" +
			"only when the engine itself restarts (a stopped unless-stopped container stays\n" +
			"stopped); \"on-failure\" restarts after a non-zero exit, up to its maximum; none\n" +
			"restarts a container stopped with `stackctl stop`.\n\n" +
			"With --swarm it crashes a task's container the same way, and the timeline is the\n" +
			"swarm's: task failed, new task created, started (on which node), healthy, and\n" +
			"dependents serving again. REPLICA is SERVICE-N (slot N), the task's name as ps\n" +
			"shows it, or its ID. A task on a node other than the manager is reached through\n" +
			"that node's engine, named with --node-engine NODE=tcp://HOST:PORT; without it,\n" +
			"kill says which node and stops.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.service = args[0]
			if len(args) == 2 {
				opts.replica = args[1]
			}
			if opts.format != "text" && opts.format != "json" {
				return fmt.Errorf("--format %q: want text or json", opts.format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runKill(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.signal, "signal", "s", "", "send this signal through the API instead (a manual stop: no restart follows)")
	cmd.Flags().BoolVar(&opts.noWait, "no-wait", false, "do not watch the recovery")
	cmd.Flags().DurationVar(&opts.waitTimeout, "wait-timeout", time.Minute, "how long to wait for the service to be back")
	cmd.Flags().StringVar(&opts.format, "format", "text", "output: text or json")
	return cmd
}

func runKill(ctx context.Context, opts *killOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	if opts.signal != "" {
		name, err := orch.Signal(ctx, st, opts.service, opts.replica, opts.signal)
		if err != nil {
			return err
		}
		fmt.Fprintf(opts.io.Out, "sent %s to %s through the engine's API.\n"+
			"The engine treats this as a manual stop: its restart policy will NOT restart it.\n"+
			"Use `stackctl kill %s` (without --signal) for a crash the policy answers, or `stackctl start %s`.\n",
			opts.signal, name, opts.service, opts.service)
		return nil
	}
	report, err := orch.Crash(ctx, st, backend.CrashOptions{
		Service: opts.service, Replica: opts.replica, NoWait: opts.noWait, WaitTimeout: opts.waitTimeout,
	})
	if report.Container != "" {
		printCrash(opts, report)
	}
	return err
}

func printCrash(opts *killOptions, report backend.CrashReport) {
	if opts.format == "json" {
		enc := json.NewEncoder(opts.io.Out)
		_ = enc.Encode(report)
		return
	}
	fmt.Fprintf(opts.io.Out, "%s: crashed container %s (%s)\n", report.Service, report.Container, report.Method)
	for _, m := range report.Timeline {
		fmt.Fprintf(opts.io.Out, "%-8s %-50s +%s\n", report.Service, m.What, m.After.Round(time.Millisecond))
	}
}
