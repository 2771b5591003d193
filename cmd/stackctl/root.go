package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/moby/term"
	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/progress"
	"github.com/stackctl/stackctl/internal/stack"
)

// streams are where a command writes: results to Out, progress to Err.
// In is what exec and run feed the command in the container.
type streams struct {
	Out, Err      io.Writer
	ErrIsTerminal bool
	OutIsTerminal bool
	In            io.Reader
	InIsTerminal  bool
}

func defaultIO() *streams {
	return &streams{Out: os.Stdout, Err: os.Stderr, ErrIsTerminal: isTerminal(os.Stderr), OutIsTerminal: isTerminal(os.Stdout),
		In: os.Stdin, InIsTerminal: term.IsTerminal(os.Stdin.Fd())}
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// globalOptions are the flags every command takes.
type globalOptions struct {
	io       *streams
	progress string
	// load selects and resolves the compose project, as Compose's flags do.
	load stack.LoadOptions
	// scale and edge shape the stack for up and scale.
	scale []string
	edge  bool
}

// loadStack loads the compose project as the flags select it, without
// asking the engine anything.
func (g *globalOptions) loadStack(ctx context.Context) (*stack.Stack, error) {
	return stack.Load(ctx, g.load)
}

// resolveStack loads the stack and shapes it from the flags and, for what
// they leave open, from what is deployed: a scaled service stays scaled and
// one behind its edge stays behind it, so requests never lose the port.
func (g *globalOptions) resolveStack(ctx context.Context, orch *session) (*stack.Stack, error) {
	st, err := g.loadStack(ctx)
	if err != nil {
		return nil, err
	}
	scale, err := parseScale(g.scale)
	if err != nil {
		return nil, err
	}
	deployed, err := orch.Deployed(ctx, st.Project)
	if err != nil {
		return nil, err
	}
	if err := st.ApplyShape(stack.Shape{Scale: scale, Edge: g.edge, Deployed: deployed}); err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(st.Files, ", "), err)
	}
	return st, nil
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
		Short: "Run a compose file's stack through the Docker Engine API",
		Long: "stackctl runs the stack a compose file describes directly through the Docker\n" +
			"Engine API, honouring DOCKER_HOST and friends. With no compose file given or\n" +
			"found, it runs its built-in stack: a Go web app, PostgreSQL and Redis.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(io.Out)
	cmd.SetErr(io.Err)
	addGlobalFlags(cmd, g)
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
		newBuildCmd(g, nil),
		newImagesCmd(g, nil),
		newExecCmd(g, nil),
		newRunCmd(g, nil),
	)
	return cmd
}

// addGlobalFlags binds the flags every command takes, Compose's among them.
// -f goes before the command, as in Compose, where `logs -f` is follow.
func addGlobalFlags(root *cobra.Command, g *globalOptions) {
	root.TraverseChildren = true
	root.Flags().StringArrayVarP(&g.load.Files, "file", "f", nil,
		"compose file (repeatable; later files override earlier ones); default: COMPOSE_FILE, else compose.yaml or docker-compose.yml here or above, else the built-in stack")
	flags := root.PersistentFlags()
	flags.StringVarP(&g.load.ProjectName, "project-name", "p", "",
		"project name; default: COMPOSE_PROJECT_NAME, else the file's name:, else the project directory's name")
	flags.StringVar(&g.load.WorkingDir, "project-directory", "", "project directory (default: the first compose file's)")
	flags.StringArrayVar(&g.load.EnvFiles, "env-file", nil, "environment file for interpolation (repeatable; default: the project directory's .env)")
	flags.StringArrayVar(&g.load.Profiles, "profile", nil, "profile to enable (repeatable; default: COMPOSE_PROFILES)")
	flags.StringVar(&g.progress, "progress", string(progress.Auto), "progress output: auto, tty, plain or json")
}
