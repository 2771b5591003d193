package main

import (
	"context"

	"github.com/spf13/cobra"
)

func newConfigCmd(g *globalOptions, runF func(context.Context, *globalOptions) error) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the resolved stack as a Compose file (secrets masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), g)
			}
			return runConfig(g)
		},
	}
}

func runConfig(g *globalOptions) error {
	st, err := g.stack()
	if err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	out, err := st.ComposeYAML()
	if err != nil {
		return err
	}
	_, err = g.io.Out.Write(out)
	return err
}
