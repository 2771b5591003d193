package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

func newCreateCmd(g *globalOptions, runF func(context.Context, *upOptions) error) *cobra.Command {
	opts := &upOptions{globalOptions: g, noStart: true}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] [SERVICE...]",
		Short: "Creates containers for a service",
		Long: "create builds or pulls the images, makes the networks and volumes, and creates\n" +
			"the services' missing containers without starting them, as docker compose\n" +
			"create does; start or up starts them. A container that exists is left as it\n" +
			"is: up replaces it when its configuration changed.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if opts.noBuild {
				return fmt.Errorf("--no-build: %s", refusedUpFlags["no-build"])
			}
			if opts.forceRecreate {
				return fmt.Errorf("--force-recreate: create makes only missing containers; stackctl up --force-recreate replaces them all (and starts them)")
			}
			if err := opts.checkPull(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runCreate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.build, "build", false, "build images before creating containers")
	cmd.Flags().BoolVar(&opts.noBuild, "no-build", false, "refused: stackctl builds an image only when its build context changed")
	cmd.Flags().StringVar(&opts.pull, "pull", "policy", `pull image before running ("missing"|"policy"; "always" and "never" are refused)`)
	cmd.Flags().BoolVar(&opts.quietPull, "quiet-pull", false, "pull without printing progress information")
	cmd.Flags().BoolVar(&opts.forceRecreate, "force-recreate", false, "refused: create makes only missing containers; stackctl up --force-recreate replaces them")
	cmd.Flags().BoolVar(&opts.noRecreate, "no-recreate", false, "leave existing containers as they are, as create always does")
	cmd.Flags().BoolVar(&opts.removeOrphans, "remove-orphans", false, "remove containers of services the compose file no longer has")
	cmd.Flags().StringArrayVar(&opts.scale, "scale", nil, "replicas of a service, as SERVICE=N (repeatable); over the file's")
	cmd.Flags().BoolP("yes", "y", false, "assume yes to prompts, as stackctl never prompts here")
	cmd.MarkFlagsMutuallyExclusive("force-recreate", "no-recreate")
	cmd.MarkFlagsMutuallyExclusive("build", "no-build")
	return cmd
}

func runCreate(ctx context.Context, opts *upOptions) error {
	began := time.Now()
	orch, st, err := opts.openLocked(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	if _, err := orch.Up(ctx, st, backend.UpOptions{
		Build: opts.build, RemoveOrphans: opts.removeOrphans, Services: opts.services,
		Recreate: backend.RecreateNever, NoStart: true,
	}); err != nil {
		return err
	}
	orch.finished("stack "+st.ProjectName(), "created", began)
	return nil
}
