package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type attachOptions struct {
	*globalOptions
	service    string
	index      int
	detachKeys string
	noStdin    bool
}

func newAttachCmd(g *globalOptions, runF func(context.Context, *attachOptions) error) *cobra.Command {
	opts := &attachOptions{globalOptions: g}
	var sigProxy bool
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] SERVICE",
		Short: "Attach local standard input, output, and error streams to a service's running container",
		Long: "attach connects stackctl's streams to a running container of the service (the\n" +
			"lowest-numbered, or --index), as docker compose attach does, until the\n" +
			"container stops (stackctl exits with its code) or the detach keys are typed.\n" +
			"Ctrl-C detaches: signals are not passed to the container (send one with\n" +
			"stackctl kill -s SIGNAL SERVICE).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if sigProxy {
				return errors.New("--sig-proxy: signals are not passed to the container; Ctrl-C detaches, and stackctl kill -s SIGNAL SERVICE sends one")
			}
			opts.service = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runAttach(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.index, "index", 0, "index of the container if the service has several replicas")
	cmd.Flags().StringVar(&opts.detachKeys, "detach-keys", "", "override the key sequence for detaching from a container")
	cmd.Flags().BoolVar(&opts.noStdin, "no-stdin", false, "do not attach STDIN")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", false, "refused: Ctrl-C detaches; send a signal with stackctl kill -s")
	return cmd
}

func runAttach(ctx context.Context, opts *attachOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	stdio := opts.io.containerStdio(!opts.noStdin)
	if opts.noStdin {
		stdio.In = nil
	}
	code, err := orch.Attach(ctx, st, backend.AttachOptions{Service: opts.service, Index: opts.index, Stdio: stdio, DetachKeys: opts.detachKeys})
	if err != nil {
		return err
	}
	return exitCode(code)
}
