package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
)

type upOptions struct {
	*globalOptions
	build       bool
	waitTimeout time.Duration
	noWait      bool
}

func newUpCmd(g *globalOptions, runF func(context.Context, *upOptions) error) *cobra.Command {
	opts := &upOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Build, create and start the stack, or converge it to what changed",
		Long: "up builds the web image when its source changed (or with --build), creates the\n" +
			"network and volume, and starts services in dependency order: web waits until db\n" +
			"passes its healthcheck and migrate has completed. Running it again changes only\n" +
			"what differs from the wanted state.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUp(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.build, "build", false, "rebuild images even when their source did not change")
	cmd.Flags().DurationVar(&opts.waitTimeout, "wait-timeout", orchestrator.DefaultWaitTimeout, "how long to wait for each service to become ready")
	cmd.Flags().BoolVar(&opts.noWait, "no-wait", false, "return once services are started, without waiting for them to be healthy")
	cmd.Flags().IntVar(&g.port, "port", stack.DefaultWebPort, "host port for web (0: any free port)")
	return cmd
}

func runUp(ctx context.Context, opts *upOptions) error {
	st, err := opts.stackForUp()
	if err != nil {
		return err
	}
	orch, closeEngine, err := opts.orchestrator(ctx)
	if err != nil {
		return err
	}
	defer closeEngine()
	began := time.Now()
	res, err := orch.Up(ctx, st, orchestrator.UpOptions{
		Build: opts.build, WaitTimeout: opts.waitTimeout, NoWait: opts.noWait,
	})
	if err != nil {
		return err
	}
	if !res.Changed {
		fmt.Fprintf(opts.io.Err, "everything is up to date (%s)\n", time.Since(began).Round(time.Millisecond))
	} else {
		fmt.Fprintf(opts.io.Err, "stack %s is up (%s)\n", st.ProjectName(), time.Since(began).Round(time.Millisecond))
	}
	return printSummary(opts.io.Out, res.Containers)
}

func (g *globalOptions) stackForUp() (*stack.Stack, error) {
	if info, err := os.Stat(g.appDir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("no web app build context at %q: run stackctl from the repository root or pass --app-dir", g.appDir)
	}
	if g.port < 0 || g.port > 65535 {
		return nil, fmt.Errorf("--port %d is out of range 0-65535", g.port)
	}
	if g.port == 0 {
		g.port = stack.AnyPort
	}
	return g.stack()
}
