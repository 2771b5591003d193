package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type upOptions struct {
	*globalOptions
	build       bool
	waitTimeout secondsValue
	// noStart creates containers and starts none (create, up --no-start);
	// stopTimeout bounds the stop of a replaced container (-t).
	noStart     bool
	stopTimeout secondsValue
	// noBuild, pull and quietPull are Compose's; see checkPull.
	noBuild, quietPull bool
	pull               string
	noWait             bool
	batchSize          int
	minReady           time.Duration
	removeOrphans      bool
	// detach and wait are Compose's: up always returns once the stack is
	// up (see the README), and waits for it unless --no-wait.
	detach, wait bool
	// services limits up to these and, unless noDeps, their dependencies.
	services                          []string
	noDeps, forceRecreate, noRecreate bool
	// watch follows develop.watch once the stack is up (up --watch).
	watch bool
}

func newUpCmd(g *globalOptions, runF func(context.Context, *upOptions) error) *cobra.Command {
	opts := &upOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "up [SERVICE...]",
		Short: "Build, create and start the stack, or converge it to what changed",
		Long: "up builds images whose build context changed (or all, with --build), creates\n" +
			"networks and volumes, and starts services in dependency order, each once its\n" +
			"depends_on conditions hold (healthy, completed, started). Running it again\n" +
			"changes only what differs from the wanted state.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if err := refuseUpFlags(cmd); err != nil {
				return err
			}
			if err := opts.checkPull(); err != nil {
				return err
			}
			if opts.noStart && opts.forceRecreate {
				return fmt.Errorf("--no-start with --force-recreate: --no-start only creates missing containers; stop the services (stackctl stop), then up --force-recreate replaces and starts them")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUp(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.build, "build", false, "rebuild images even when their source did not change")
	opts.waitTimeout = secondsValue(backend.DefaultWaitTimeout)
	cmd.Flags().Var(&opts.waitTimeout, "wait-timeout", "how long to wait for each service to become ready, in seconds (60) or as a duration (1m)")
	cmd.Flags().BoolVar(&opts.noStart, "no-start", false, "create the containers without starting them, as stackctl create does")
	cmd.Flags().VarP(&opts.stopTimeout, "timeout", "t", "stop timeout for containers up replaces or restarts, in seconds or as a duration (default: each service's grace period)")
	cmd.Flags().StringVar(&opts.pull, "pull", "policy", `pull images before running: "policy" or "missing" (a missing image); "always" and "never" are refused`)
	cmd.Flags().BoolVar(&opts.quietPull, "quiet-pull", false, "pull without printing progress information")
	cmd.Flags().Bool("no-color", false, "monochrome output, as up's progress always is")
	addRefusedUpFlags(cmd, "abort-on-container-exit", "abort-on-container-failure", "exit-code-from", "attach", "no-attach",
		"attach-dependencies", "timestamps", "no-log-prefix", "renew-anon-volumes", "no-build", "menu")
	cmd.Flags().BoolVarP(&opts.watch, "watch", "w", false, "once the stack is up, follow the services' develop.watch as stackctl watch does, until interrupted")
	cmd.Flags().BoolVar(&opts.removeOrphans, "remove-orphans", false, "remove containers of services the compose file no longer has")
	cmd.Flags().BoolVar(&opts.noWait, "no-wait", false, "return once services are started, without waiting for them to be healthy")
	cmd.Flags().BoolVarP(&opts.detach, "detach", "d", false, "return once the stack is up, as up always does (Compose's habit; logs: stackctl logs -f)")
	cmd.Flags().BoolVar(&opts.wait, "wait", false, "wait for services to be running and healthy, as up does unless --no-wait")
	cmd.MarkFlagsMutuallyExclusive("wait", "no-wait")
	cmd.Flags().BoolVar(&opts.noDeps, "no-deps", false, "with services named, leave the services they depend on as they are")
	cmd.Flags().BoolVar(&opts.forceRecreate, "force-recreate", false, "replace every container, even those whose configuration did not change")
	cmd.Flags().BoolVar(&opts.noRecreate, "no-recreate", false, "keep containers whose configuration changed as they are")
	cmd.MarkFlagsMutuallyExclusive("force-recreate", "no-recreate")
	addScaleFlags(cmd, opts)
	return cmd
}

// addScaleFlags are the flags up and scale share.
func addScaleFlags(cmd *cobra.Command, opts *upOptions) {
	cmd.Flags().StringArrayVar(&opts.scale, "scale", nil, "replicas of a service, as SERVICE=N (repeatable); over the file's")
	cmd.Flags().BoolVar(&opts.edge, "edge", false, "put services that declare x-stackctl.edge: auto behind their edge now, even with one replica (then scaling never moves the port)")
	addRolloutFlags(cmd, opts)
}

func addRolloutFlags(cmd *cobra.Command, opts *upOptions) {
	cmd.Flags().IntVar(&opts.batchSize, "batch-size", 0, "replicas a rolling update replaces at once (default: the file's update_config.parallelism, else 1)")
	cmd.Flags().DurationVar(&opts.minReady, "min-ready", 0, "how long a new replica must stay healthy before a rolling update goes on (default: the file's update_config.monitor)")
}

// backendOptions are the flags as up's options.
func (opts *upOptions) backendOptions() backend.UpOptions {
	return backend.UpOptions{
		Build: opts.build, WaitTimeout: time.Duration(opts.waitTimeout), NoWait: opts.noWait,
		NoStart: opts.noStart, StopTimeout: time.Duration(opts.stopTimeout),
		BatchSize: opts.batchSize, MinReady: opts.minReady, RemoveOrphans: opts.removeOrphans,
		Recreate: recreatePolicy(opts.forceRecreate, opts.noRecreate), Services: opts.services, NoDeps: opts.noDeps,
	}
}

func runUp(ctx context.Context, opts *upOptions) error {
	if opts.watch {
		up := opts.backendOptions()
		return runWatch(ctx, &watchOptions{globalOptions: opts.globalOptions, services: opts.services, up: &up})
	}
	began := time.Now()
	orch, st, err := opts.openLocked(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	res, err := orch.Up(ctx, st, opts.backendOptions())
	if err != nil {
		return err
	}
	status := "up"
	if !res.Changed {
		status = "up to date"
	}
	orch.finished("stack "+st.ProjectName(), status, began)
	return printSummary(opts.io.Out, res.Containers, orch.engineHost)
}

// parseScale reads --scale values.
func parseScale(values []string) (map[string]int, error) {
	scale := map[string]int{}
	for _, v := range values {
		service, count, ok := strings.Cut(v, "=")
		n, err := strconv.Atoi(count)
		if !ok || service == "" || err != nil || n < 0 {
			return nil, fmt.Errorf("--scale %q: want SERVICE=N with N a whole number (0 stops the service's containers)", v)
		}
		scale[service] = n
	}
	return scale, nil
}

// recreatePolicy is the Recreate policy the flags ask for.
func recreatePolicy(force, never bool) string {
	switch {
	case force:
		return backend.RecreateForce
	case never:
		return backend.RecreateNever
	}
	return backend.RecreateDiverged
}
