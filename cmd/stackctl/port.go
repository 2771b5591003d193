package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type portOptions struct {
	*globalOptions
	index    int
	protocol string
	service  string
	port     int
}

func newPortCmd(g *globalOptions, runF func(context.Context, *portOptions) error) *cobra.Command {
	opts := &portOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "port [--index N] [--protocol tcp|udp] SERVICE PRIVATE_PORT",
		Short: "Print the public HOST:PORT a service's container port is published on",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := strconv.ParseUint(args[1], 10, 16)
			if err != nil || port == 0 {
				return fmt.Errorf("port %q: want a port number from 1 to 65535", args[1])
			}
			opts.protocol = strings.ToLower(opts.protocol)
			if opts.protocol != "tcp" && opts.protocol != "udp" {
				return fmt.Errorf("--protocol %s: want tcp or udp", opts.protocol)
			}
			opts.service, opts.port = args[0], int(port)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runPort(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.index, "index", 0, "the replica (1, 2, ...); default: the first")
	cmd.Flags().StringVar(&opts.protocol, "protocol", "tcp", "tcp or udp")
	return cmd
}

func runPort(ctx context.Context, opts *portOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	addr, err := orch.Port(ctx, st, backend.PortOptions{Service: opts.service, Index: opts.index, Port: opts.port, Protocol: opts.protocol})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(opts.io.Out, addr)
	return err
}
