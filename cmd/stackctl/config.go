package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/stack"
)

type configOptions struct {
	*globalOptions
	services bool
	format   string
}

func newConfigCmd(g *globalOptions, runF func(context.Context, *configOptions) error) *cobra.Command {
	opts := &configOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the resolved compose project (secrets masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.format != string(stack.FormatYAML) && opts.format != string(stack.FormatJSON) {
				return fmt.Errorf("--format %q: want yaml or json", opts.format)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runConfig(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.services, "services", false, "print the service names, one per line")
	cmd.Flags().StringVar(&opts.format, "format", string(stack.FormatYAML), "output: yaml or json")
	return cmd
}

func runConfig(ctx context.Context, opts *configOptions) error {
	st, err := opts.loadStack(ctx)
	if err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(st.Files, ", "), err)
	}
	if opts.services {
		_, err := fmt.Fprintln(opts.io.Out, strings.Join(st.ServiceNames(), "\n"))
		return err
	}
	out, err := st.Render(stack.ConfigFormat(opts.format))
	if err != nil {
		return err
	}
	_, err = opts.io.Out.Write(out)
	return err
}
