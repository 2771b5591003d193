package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type execOptions struct {
	*globalOptions
	noTTY   bool
	index   int
	user    string
	workdir string
	env     []string
	service string
	command []string
}

func newExecCmd(g *globalOptions, runF func(context.Context, *execOptions) error) *cobra.Command {
	opts := &execOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "exec [-T] [--index N] [-u USER] [-w DIR] [-e K=V]... SERVICE CMD [ARG...]",
		Short: "Run a command in a running container of a service",
		Long: "exec runs CMD in the service's first running replica (or replica --index N),\n" +
			"with stackctl's stdin, stdout and stderr; a terminal when stdin is one, unless -T.\n" +
			"stackctl exits with the command's exit code. Flags go before SERVICE: everything\n" +
			"after it is the command's.",
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.service, opts.command = args[0], args[1:]
			env, err := resolveEnv(opts.env)
			if err != nil {
				return err
			}
			opts.env = env
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExec(cmd.Context(), opts)
		},
	}
	// Flags after SERVICE are the command's, not stackctl's.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVarP(&opts.noTTY, "no-TTY", "T", false, "no terminal, even when stdin is one")
	cmd.Flags().IntVar(&opts.index, "index", 0, "the replica to run in (1, 2, ...); default: the first running one")
	cmd.Flags().StringVarP(&opts.user, "user", "u", "", "user to run the command as (name or UID[:GID])")
	cmd.Flags().StringVarP(&opts.workdir, "workdir", "w", "", "directory to run the command in")
	cmd.Flags().StringArrayVarP(&opts.env, "env", "e", nil, "environment variable KEY=VALUE, or KEY to pass stackctl's own (repeatable)")
	return cmd
}

func runExec(ctx context.Context, opts *execOptions) error {
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	code, err := orch.Exec(ctx, st, backend.ExecOptions{
		Service: opts.service, Index: opts.index, Cmd: opts.command,
		User: opts.user, WorkingDir: opts.workdir, Env: opts.env,
		Stdio: opts.io.containerStdio(!opts.noTTY),
	})
	if err != nil {
		return err
	}
	return exitCode(code)
}
