package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func newBuildCmd(g *globalOptions, runF func(context.Context, *globalOptions, []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "build [SERVICE...]",
		Short: "Build the images of services with a build section, changed or not",
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), g, args)
			}
			return runBuild(cmd.Context(), g, args)
		},
	}
}

func runBuild(ctx context.Context, g *globalOptions, services []string) error {
	began := time.Now()
	orch, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	st, err := g.loadStack(ctx)
	if err != nil {
		return err
	}
	if err := orch.Build(ctx, st, services); err != nil {
		return err
	}
	orch.finished("stack "+st.Project, "built", began)
	return nil
}

func newImagesCmd(g *globalOptions, runF func(context.Context, *globalOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "images",
		Short: "List each service's image and whether the engine has it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), g)
			}
			return runImages(cmd.Context(), g)
		},
	}
}

func runImages(ctx context.Context, g *globalOptions) error {
	orch, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	st, err := g.loadStack(ctx)
	if err != nil {
		return err
	}
	images, err := orch.Images(ctx, st)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(g.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tIMAGE\tID\tSOURCE")
	for _, img := range images {
		id, source := img.ID, "image"
		if id == "" {
			id = "(missing)"
		}
		if img.Built {
			source = "build"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", img.Service, img.Image, id, source)
	}
	return tw.Flush()
}
