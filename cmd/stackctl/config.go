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
	services, volumes, networks, images, quiet bool
	profiles                                   bool
	// hash names the services whose configuration hash to print ("*":
	// all), as Compose's config --hash does.
	hash   string
	format string
}

func newConfigCmd(g *globalOptions, runF func(context.Context, *configOptions) error) *cobra.Command {
	opts := &configOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the resolved compose project, as Docker Compose prints it",
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
	cmd.Flags().BoolVar(&opts.volumes, "volumes", false, "print the volume names of the file, one per line")
	cmd.Flags().BoolVar(&opts.networks, "networks", false, "print the network names of the file, one per line")
	cmd.Flags().BoolVar(&opts.images, "images", false, "print the services' images, one per line")
	cmd.Flags().StringVar(&opts.hash, "hash", "", `print the configuration hash of these services ("web,db"; "*": all), as Compose labels them`)
	cmd.Flags().BoolVarP(&opts.quiet, "quiet", "q", false, "only check the file: print nothing, fail on an error")
	cmd.Flags().BoolVar(&opts.profiles, "profiles", false, "print the profile names the files declare, one per line")
	cmd.MarkFlagsMutuallyExclusive("services", "volumes", "networks", "images", "hash", "quiet", "profiles")
	cmd.Flags().StringVar(&opts.format, "format", string(stack.FormatYAML), "output: yaml or json")
	return cmd
}

func runConfig(ctx context.Context, opts *configOptions) error {
	st, err := opts.loadStack(ctx)
	if err != nil {
		return err
	}
	if err := st.Validate(); err != nil {
		return err
	}
	lines, listed, err := configLines(st, opts)
	if err != nil || listed {
		if len(lines) > 0 {
			_, err = fmt.Fprintln(opts.io.Out, strings.Join(lines, "\n"))
		}
		return err
	}
	out, err := st.Render(stack.ConfigFormat(opts.format))
	if err != nil {
		return err
	}
	_, err = opts.io.Out.Write(out)
	return err
}

// configLines are what a listing flag of config prints, a line each, and
// whether one was given.
func configLines(st *stack.Stack, opts *configOptions) ([]string, bool, error) {
	var lines []string
	switch {
	case opts.quiet:
	case opts.services:
		lines = st.ServiceNames()
	case opts.profiles:
		lines = st.Profiles()
	case opts.volumes:
		for _, v := range st.Volumes {
			lines = append(lines, v.Key)
		}
	case opts.networks:
		for _, n := range st.Networks {
			lines = append(lines, n.Key)
		}
	case opts.images:
		for _, svc := range st.Services {
			lines = append(lines, svc.Image)
		}
	case opts.hash != "":
		names := st.ServiceNames()
		if opts.hash != "*" {
			names = strings.Split(opts.hash, ",")
		}
		for _, name := range names {
			svc, ok := st.Service(name)
			if !ok {
				return nil, true, fmt.Errorf("config --hash: no service %q (the stack has: %s)", name, strings.Join(st.ServiceNames(), ", "))
			}
			lines = append(lines, name+" "+st.ComposeHash(svc))
		}
	default:
		return nil, false, nil
	}
	return lines, true, nil
}
