package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type pullOptions struct {
	*globalOptions
	pull backend.PullOptions
	push backend.PushOptions
}

func newPullCmd(g *globalOptions, runF func(context.Context, *pullOptions) error) *cobra.Command {
	opts := &pullOptions{globalOptions: g}
	var policy string
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] [SERVICE...]",
		Short: "Pull service images",
		Long: "pull pulls the services' images (all when none named) from the registries\n" +
			"their references name, as docker compose pull does; a failure names the image\n" +
			"and the registry tried.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.pull.Services = args
			switch policy {
			case "", "always":
			case "missing":
				opts.pull.Missing = true
			default:
				return fmt.Errorf("--policy %q: want missing or always", policy)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPull(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.pull.Quiet, "quiet", "q", false, "pull without printing progress information")
	cmd.Flags().BoolVar(&opts.pull.IncludeDeps, "include-deps", false, "also pull services declared as dependencies")
	cmd.Flags().BoolVar(&opts.pull.IgnoreFailures, "ignore-pull-failures", false, "pull what it can and ignore images with pull failures")
	cmd.Flags().BoolVar(&opts.pull.IgnoreBuildable, "ignore-buildable", false, "ignore images that can be built")
	cmd.Flags().StringVar(&policy, "policy", "", `apply pull policy ("missing"|"always")`)
	return cmd
}

func runPull(ctx context.Context, opts *pullOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	return orch.Pull(ctx, st, opts.pull)
}

func newPushCmd(g *globalOptions, runF func(context.Context, *pullOptions) error) *cobra.Command {
	opts := &pullOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] [SERVICE...]",
		Short: "Push service images",
		Long: "push pushes the images the services build (all when none named) to the\n" +
			"registries their references name, as docker compose push does; a failure\n" +
			"names the image and the registry.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.push.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPush(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.push.Quiet, "quiet", "q", false, "push without printing progress information")
	cmd.Flags().BoolVar(&opts.push.IncludeDeps, "include-deps", false, "also push images of services declared as dependencies")
	cmd.Flags().BoolVar(&opts.push.IgnoreFailures, "ignore-push-failures", false, "push what it can and ignore images with push failures")
	return cmd
}

func runPush(ctx context.Context, opts *pullOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	return orch.Push(ctx, st, opts.push)
}
