package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// streams are where a command writes: results to Out, progress to Err.
type streams struct {
	Out, Err      io.Writer
	ErrIsTerminal bool
	OutIsTerminal bool
}

func defaultIO() *streams {
	return &streams{Out: os.Stdout, Err: os.Stderr, ErrIsTerminal: isTerminal(os.Stderr), OutIsTerminal: isTerminal(os.Stdout)}
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// globalOptions are the flags every command takes.
type globalOptions struct {
	io       *streams
	project  string
	progress string
	appDir   string
	port     int
}

// stack resolves the built-in stack for these options. The database
// password comes from POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE.
func (g *globalOptions) stack() (*stack.Stack, error) {
	password, err := passwordFromEnv()
	if err != nil {
		return nil, err
	}
	return stack.Default(stack.DefaultOptions{
		Project: g.project, AppDir: g.appDir, PostgresPassword: password, WebPort: g.port,
	}), nil
}

func passwordFromEnv() (string, error) {
	value, file := os.Getenv("POSTGRES_PASSWORD"), os.Getenv("POSTGRES_PASSWORD_FILE")
	switch {
	case value != "" && file != "":
		return "", fmt.Errorf("both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set; set one")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read POSTGRES_PASSWORD_FILE: %w", err)
		}
		return string(trimNewline(b)), nil
	}
	return value, nil
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// orchestrator connects to the engine and returns an orchestrator that
// reports progress as --progress asks.
func (g *globalOptions) orchestrator(ctx context.Context) (*orchestrator.Orchestrator, func(), error) {
	mode, err := progress.ParseMode(g.progress)
	if err != nil {
		return nil, nil, err
	}
	cli, err := engine.New(ctx)
	if err != nil {
		return nil, nil, err
	}
	reporter := progress.NewRenderer(g.io.Err, mode, g.io.ErrIsTerminal)
	return orchestrator.New(cli, reporter), func() { _ = cli.Close() }, nil
}

func newRootCmd(io *streams) *cobra.Command {
	g := &globalOptions{io: io}
	cmd := &cobra.Command{
		Use:   "stackctl",
		Short: "Run the web + PostgreSQL + Redis stack through the Docker Engine API",
		Long: "stackctl brings up a three-tier stack (a Go web app, PostgreSQL and Redis)\n" +
			"directly through the Docker Engine API, honouring DOCKER_HOST and friends.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(io.Out)
	cmd.SetErr(io.Err)
	flags := cmd.PersistentFlags()
	flags.StringVarP(&g.project, "project-name", "p", stack.DefaultProject,
		"project name; other than the default, it prefixes container, network and volume names")
	flags.StringVar(&g.progress, "progress", string(progress.Auto), "progress output: auto, tty, plain or json")
	flags.StringVar(&g.appDir, "app-dir", "app", "the web app's build context")
	cmd.AddCommand(
		newUpCmd(g, nil),
		newDownCmd(g, nil),
		newPsCmd(g, nil),
		newLogsCmd(g, nil),
		newConfigCmd(g, nil),
		newKillCmd(g, nil),
		newLifecycleCmd(g, "stop", "Stop services (dependents first); no restart policy restarts them", nil),
		newLifecycleCmd(g, "start", "Start stopped services in dependency order, waiting for health", nil),
		newLifecycleCmd(g, "restart", "Stop, then start services", nil),
	)
	return cmd
}
