package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type rmOptions struct {
	*globalOptions
	force    bool
	stop     bool
	volumes  bool
	services []string
}

// errNotConfirmed: rm without -f on a terminal, where Compose would ask.
var errNotConfirmed = errors.New("nothing removed: stackctl does not ask; rm -f removes them")

func newRmCmd(g *globalOptions, runF func(context.Context, *rmOptions) error) *cobra.Command {
	opts := &rmOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "rm [-f] [-s] [-v] [SERVICE...]",
		Short: "Remove the services' stopped containers",
		Long: "rm removes the stopped containers of the services (all when none named), after\n" +
			"saying which on stderr. Compose asks first; stackctl never asks: on a terminal it\n" +
			"removes only with -f, and from a script (stdin not a terminal) it just does.\n" +
			"Anonymous volumes stay unless -v; -s stops running containers first.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runRm(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.force, "force", "f", false, "remove without asking for it on a terminal")
	cmd.Flags().BoolVarP(&opts.stop, "stop", "s", false, "stop the containers, if running, before removing them")
	cmd.Flags().BoolVarP(&opts.volumes, "volumes", "v", false, "also remove the anonymous volumes attached to the containers")
	cmd.Flags().BoolP("all", "a", false, "deprecated in Compose, no effect")
	_ = cmd.Flags().MarkHidden("all")
	return cmd
}

// confirm says what rm is going to remove, and refuses where Compose would
// ask: on a terminal, without -f.
func (o *rmOptions) confirm(names []string) error {
	fmt.Fprintf(o.io.Err, "Going to remove %s\n", strings.Join(names, ", "))
	if !o.force && o.io.InIsTerminal {
		return errNotConfirmed
	}
	return nil
}

func runRm(ctx context.Context, opts *rmOptions) error {
	orch, st, err := opts.openLocked(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	removed, err := orch.Rm(ctx, st, backend.RmOptions{Services: opts.services, Stop: opts.stop, Volumes: opts.volumes, Confirm: opts.confirm})
	if err == nil && len(removed) == 0 {
		fmt.Fprintln(opts.io.Err, "No stopped containers")
	}
	return err
}
