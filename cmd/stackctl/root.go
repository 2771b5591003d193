package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

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
	// scale and edge shape the stack for up and scale.
	scale []string
	edge  bool
}

// stack resolves the built-in stack from the flags alone.
func (g *globalOptions) stack() (*stack.Stack, error) {
	return g.stackFor(orchestrator.Deployment{})
}

// resolveStack resolves the built-in stack from the flags and, for what
// they leave open, from what is deployed: a scaled stack stays scaled and a
// stack behind the edge stays behind it, so later commands see the same
// shape and requests never lose the port.
func (g *globalOptions) resolveStack(ctx context.Context, orch *session) (*stack.Stack, error) {
	deployed, err := orch.Deployed(ctx, g.projectName())
	if err != nil {
		return nil, err
	}
	return g.stackFor(deployed)
}

func (g *globalOptions) stackFor(deployed orchestrator.Deployment) (*stack.Stack, error) {
	password, err := passwordFromEnv()
	if err != nil {
		return nil, err
	}
	replicas, err := parseScale(g.scale)
	if err != nil {
		return nil, err
	}
	if replicas == 0 {
		replicas = deployed.Replicas["web"]
	}
	port := g.port
	switch {
	case port < 0 || port > 65535:
		return nil, fmt.Errorf("--port %d is out of range 0-65535", port)
	case port == 0:
		port = stack.AnyPort
	}
	return stack.Default(stack.DefaultOptions{
		Project: g.project, AppDir: g.appDir, PostgresPassword: password, WebPort: port,
		WebReplicas: replicas, Edge: g.edge || deployed.Replicas["edge"] > 0,
	}), nil
}

func (g *globalOptions) projectName() string {
	if g.project == "" {
		return stack.DefaultProject
	}
	return g.project
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

// session is an orchestrator connected to the engine, with the reporter
// its progress goes to.
type session struct {
	*orchestrator.Orchestrator
	progress progress.Reporter
	close    func()
}

// finished reports the closing word of a command as a progress event, so
// --progress json stays one JSON object per line to the end.
func (s *session) finished(resource, status string, began time.Time) {
	s.progress.Report(progress.Event{
		Time: time.Now(), Resource: resource, Status: status,
		Detail: time.Since(began).Round(time.Millisecond).String(), Level: "info",
	})
}

// open connects to the engine and resolves the stack: the session every
// command that acts on the stack starts with.
func (g *globalOptions) open(ctx context.Context) (*session, *stack.Stack, error) {
	orch, err := g.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err := g.resolveStack(ctx, orch)
	if err != nil {
		orch.close()
		return nil, nil, err
	}
	return orch, st, nil
}

// connect connects to the engine and returns an orchestrator that reports
// progress as --progress asks.
func (g *globalOptions) connect(ctx context.Context) (*session, error) {
	mode, err := progress.ParseMode(g.progress)
	if err != nil {
		return nil, err
	}
	cli, err := engine.New(ctx)
	if err != nil {
		return nil, err
	}
	reporter := progress.NewRenderer(g.io.Err, mode, g.io.ErrIsTerminal)
	return &session{
		Orchestrator: orchestrator.New(cli, reporter),
		progress:     reporter,
		close:        func() { _ = cli.Close() },
	}, nil
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
		newScaleCmd(g, nil),
	)
	return cmd
}
