package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
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
	batchSize   int
	minReady    time.Duration
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
	addScaleFlags(cmd, opts)
	return cmd
}

// addScaleFlags are the flags up and scale share.
func addScaleFlags(cmd *cobra.Command, opts *upOptions) {
	cmd.Flags().StringSliceVar(&opts.scale, "scale", nil, "replicas of a service, as SERVICE=N (web only); above 1, web goes behind the edge load balancer")
	cmd.Flags().BoolVar(&opts.edge, "edge", false, "put web behind the edge load balancer even with one replica (then scaling never moves the port)")
	addRolloutFlags(cmd, opts)
}

func addRolloutFlags(cmd *cobra.Command, opts *upOptions) {
	cmd.Flags().IntVar(&opts.batchSize, "batch-size", 1, "replicas a rolling update replaces at once")
	cmd.Flags().DurationVar(&opts.minReady, "min-ready", 0, "how long a new replica must stay healthy before a rolling update goes on")
}

func runUp(ctx context.Context, opts *upOptions) error {
	if info, err := os.Stat(opts.appDir); err != nil || !info.IsDir() {
		return fmt.Errorf("no web app build context at %q: run stackctl from the repository root or pass --app-dir", opts.appDir)
	}
	began := time.Now()
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	res, err := orch.Up(ctx, st, orchestrator.UpOptions{
		Build: opts.build, WaitTimeout: opts.waitTimeout, NoWait: opts.noWait,
		BatchSize: opts.batchSize, MinReady: opts.minReady,
	})
	if err != nil {
		return err
	}
	status := "up"
	if !res.Changed {
		status = "up to date"
	}
	orch.finished("stack "+st.ProjectName(), status, began)
	return printSummary(opts.io.Out, res.Containers)
}

// parseScale reads --scale values; 0 means not given.
func parseScale(values []string) (int, error) {
	replicas := 0
	for _, v := range values {
		service, count, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(count)
		switch {
		case !ok || err != nil || n < 1:
			return 0, fmt.Errorf("--scale %q: want SERVICE=N with N at least 1", v)
		case service != "web":
			return 0, fmt.Errorf("--scale %q: only web can be scaled; db, cache and migrate keep one container (fixed names, one data volume)", v)
		}
		replicas = n
	}
	return replicas, nil
}
