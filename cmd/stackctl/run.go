package main

import (
	"context"
	"fmt"

	"github.com/mattn/go-shellwords"
	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

type runOptions struct {
	*globalOptions
	remove     bool
	noTTY      bool
	env        []string
	entrypoint string
	noDeps     bool
	user       string
	workdir    string
	useAliases bool
	service    string
	command    []string
}

func newRunCmd(g *globalOptions, runF func(context.Context, *runOptions) error) *cobra.Command {
	opts := &runOptions{globalOptions: g}
	cmd := &cobra.Command{
		Use:   "run [--rm] [-T] [-e K=V]... [--entrypoint CMD] [--no-deps] SERVICE [CMD ARG...]",
		Short: "Run a one-off container of a service",
		Long: "run starts a one-off container with the service's image, environment, mounts,\n" +
			"networks and user, running CMD (default: the service's command), with stackctl's\n" +
			"stdin, stdout and stderr (a terminal when stdin is one, unless -T), and exits\n" +
			"with its exit code. The services it depends on are brought up first, as up\n" +
			"brings them up, unless --no-deps. It publishes none of the service's ports and\n" +
			"joins its networks under its own name only (--use-aliases: under the service's\n" +
			"aliases too). It is named <project>-<service>-run-<6 hex>; up leaves it alone,\n" +
			"down removes it, --rm removes it when it exits (or on Ctrl-C). Flags go before\n" +
			"SERVICE: everything after it is the command's.",
		Args: cobra.MinimumNArgs(1),
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
			return runRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVar(&opts.remove, "rm", false, "remove the container when it exits")
	cmd.Flags().BoolVarP(&opts.noTTY, "no-TTY", "T", false, "no terminal, even when stdin is one")
	cmd.Flags().StringArrayVarP(&opts.env, "env", "e", nil, "environment variable KEY=VALUE, or KEY to pass stackctl's own (repeatable)")
	cmd.Flags().StringVar(&opts.entrypoint, "entrypoint", "", "replace the service's entrypoint (a command line, split as a shell does)")
	cmd.Flags().BoolVar(&opts.noDeps, "no-deps", false, "do not bring up the services it depends on")
	cmd.Flags().StringVarP(&opts.user, "user", "u", "", "user to run as (name or UID[:GID])")
	cmd.Flags().StringVarP(&opts.workdir, "workdir", "w", "", "working directory in the container")
	cmd.Flags().BoolVar(&opts.useAliases, "use-aliases", false, "join the networks under the service's aliases too, so it takes a share of the service's traffic")
	return cmd
}

func runRun(ctx context.Context, opts *runOptions) error {
	var entrypoint []string
	if opts.entrypoint != "" {
		words, err := shellwords.Parse(opts.entrypoint)
		if err != nil {
			return fmt.Errorf("--entrypoint %q: %w", opts.entrypoint, err)
		}
		entrypoint = words
	}
	orch, st, err := opts.open(ctx)
	if err != nil {
		return err
	}
	defer orch.close()
	res, err := orch.Run(ctx, st, backend.RunOptions{
		Service: opts.service, Cmd: opts.command, Entrypoint: entrypoint,
		User: opts.user, WorkingDir: opts.workdir, Env: opts.env,
		NoDeps: opts.noDeps, Remove: opts.remove, UseAliases: opts.useAliases,
		Stdio: opts.io.containerStdio(!opts.noTTY),
	})
	if err != nil {
		return err
	}
	return exitCode(res.ExitCode)
}
