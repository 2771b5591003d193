package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/docker"
	"github.com/stackctl/stackctl/internal/backend/swarm"
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
	// lockWait is how long a command that changes the project waits for
	// another run's lock.
	lockWait time.Duration
	// swarm deploys to the swarm the engine manages, pushing images to
	// registry when one is given.
	swarm    bool
	registry string
	// nodeEngines name, with --swarm, the engines of nodes other than the
	// manager (NODE=tcp://HOST:PORT), for kill to reach their tasks.
	nodeEngines []string
	// dockerContext names the docker context whose engine to use; "" is
	// the docker CLI's choice (DOCKER_HOST, DOCKER_CONTEXT, the config's
	// current context).
	dockerContext string
	// hideBuildOutput drops images' build steps from the progress
	// (watch --quiet).
	hideBuildOutput bool
}

// loadStack loads the compose project as the flags select it, without
// asking the engine anything.
func (g *globalOptions) loadStack(ctx context.Context) (*stack.Stack, error) {
	opts := g.load
	opts.Swarm = g.swarm
	return stack.Load(ctx, opts)
}

// shapeStack shapes the stack from the flags and, for what they leave open,
// from what is deployed: a scaled service stays scaled and one behind its
// edge stays behind it, so requests never lose the port.
func (g *globalOptions) shapeStack(st *stack.Stack, scale map[string]int, deployed stack.Deployment) (*stack.Stack, error) {
	if err := st.ApplyShape(stack.Shape{Scale: scale, Edge: g.edge, Distributed: g.swarm, Deployed: deployed}); err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return st, nil
}

// session is an orchestrator connected to the engine, with the reporter
// its progress goes to.
type session struct {
	*orchestrator.Orchestrator
	progress progress.Reporter
	// close releases the project's lock, when the session holds it, and
	// the connection.
	close func()
	// engineHost is where published ports are reached: the engine's host
	// for a remote engine, localhost for a local one.
	engineHost string
}

// hostOf is the host part of an engine address: tcp://10.0.0.5:2375 is
// 10.0.0.5; a unix socket is this machine.
func hostOf(daemon string) string {
	u, err := url.Parse(daemon)
	if err != nil || u.Scheme == "unix" || u.Scheme == "npipe" || u.Hostname() == "" {
		return "localhost"
	}
	return u.Hostname()
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
	return g.openWith(ctx, false)
}

// openLocked is open for a command that changes the project: it holds the
// project's lock until the session closes, so runs never interleave.
func (g *globalOptions) openLocked(ctx context.Context) (*session, *stack.Stack, error) {
	return g.openWith(ctx, true)
}

func (g *globalOptions) openWith(ctx context.Context, lock bool) (*session, *stack.Stack, error) {
	// Flags and files are checked before the engine is asked anything.
	scale, err := parseScale(g.scale)
	if err != nil {
		return nil, nil, err
	}
	st, err := g.loadStack(ctx)
	if err != nil {
		return nil, nil, err
	}
	orch, err := g.connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	// The project's lock, taken here and only here, is held until the
	// session closes; the deployed shape is read under it, so no other run
	// changes it meanwhile.
	if lock {
		unlock, err := orch.Lock(ctx, st.Project, g.lockWait)
		if err != nil {
			orch.close()
			return nil, nil, err
		}
		closeEngine := orch.close
		orch.close = func() { unlock(); closeEngine() }
	}
	deployed, err := orch.Deployed(ctx, st.Project)
	if err == nil {
		st, err = g.shapeStack(st, scale, deployed)
	}
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
	nodeEngines, err := parseNodeEngines(g.nodeEngines, g.swarm)
	if err != nil {
		return nil, err
	}
	cli, err := engine.Dial(ctx, g.dockerContext)
	if err != nil {
		return nil, err
	}
	reporter := progress.NewRenderer(g.io.Err, mode, g.io.ErrIsTerminal)
	if g.hideBuildOutput {
		reporter = progress.HideBuildOutput(reporter)
	}
	var backend backend.Backend = docker.New(cli, reporter)
	if g.swarm {
		backend = swarm.New(cli, reporter, swarm.WithRegistry(g.registry), swarm.WithNodeEngines(nodeEngines))
	}
	return &session{
		Orchestrator: orchestrator.New(backend, reporter),
		progress:     reporter,
		close:        func() { _ = cli.Close() },
		engineHost:   hostOf(cli.Host()),
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
		Version:       version(),
		// An unknown command is an error, so a typo in a script fails.
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.SetVersionTemplate("stackctl version {{.Version}}\n")
	cmd.SuggestionsMinimumDistance = 2
	cmd.SetOut(io.Out)
	cmd.SetErr(io.Err)
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return checkFlags(cmd) }
	addGlobalFlags(cmd, g)
	cmd.AddCommand(
		newUpCmd(g, nil),
		newDownCmd(g, nil),
		newPsCmd(g, nil),
		newLsCmd(g, nil),
		newLogsCmd(g, nil),
		newConfigCmd(g, nil),
		newKillCmd(g, nil),
		newLifecycleCmd(g, "stop", "Stop services (dependents first); no restart policy restarts them", nil),
		newLifecycleCmd(g, "start", "Start stopped services in dependency order, waiting for health", nil),
		newLifecycleCmd(g, "restart", "Stop, then start services", nil),
		newScaleCmd(g, nil),
		newBuildCmd(g, nil),
		newSignalPidCmd(),
		newImagesCmd(g, nil),
		newExecCmd(g, nil),
		newRunCmd(g, nil),
		newPauseCmd(g, false, nil),
		newPauseCmd(g, true, nil),
		newTopCmd(g, nil),
		newPortCmd(g, nil),
		newRmCmd(g, nil),
		newWaitCmd(g, nil),
		newCpCmd(g, nil),
		newCreateCmd(g, nil),
		newEventsCmd(g, nil),
		newStatsCmd(g, nil),
		newAttachCmd(g, nil),
		newPullCmd(g, nil),
		newPushCmd(g, nil),
		newWatchCmd(g, nil),
		newVersionCmd(io),
	)
	addCompletions(cmd, g)
	return cmd
}

// unknownCommand refuses arguments that name no command, suggesting the
// commands whose names are close.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if suggestions := cmd.SuggestionsFor(args[0]); len(suggestions) > 0 {
		msg += "; did you mean " + strings.Join(suggestions, " or ") + "?"
	}
	return fmt.Errorf("%s (stackctl --help lists the commands)", msg)
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
	flags.StringVarP(&g.dockerContext, "context", "c", "",
		"docker context whose engine to use (default: DOCKER_HOST, else DOCKER_CONTEXT, else the docker CLI's current context)")
	flags.StringVar(&g.progress, "progress", string(progress.Auto), "progress output: auto, tty, plain or json")
	flags.DurationVar(&g.lockWait, "lock-wait", 10*time.Minute, "how long a command that changes the project waits for another run holding its lock (0: refuse at once)")
	flags.BoolVar(&g.swarm, "swarm", os.Getenv("STACKCTL_SWARM") == "1",
		"deploy to the swarm the engine manages, as swarm services (default: STACKCTL_SWARM=1)")
	flags.StringVar(&g.registry, "registry", os.Getenv("STACKCTL_REGISTRY"),
		"with --swarm, push the stack's images to this registry (HOST:PORT) and deploy them by digest, so every node can pull them (default: STACKCTL_REGISTRY)")
	flags.StringArrayVar(&g.nodeEngines, "node-engine", nil,
		"with --swarm, the engine API of a node other than the manager, NODE=tcp://HOST:PORT with NODE its hostname or ID (repeatable): kill crashes tasks there through it")
}

// nonNegativeInts are the count flags for which a negative number means
// nothing (--tail -1 does: all lines).
var nonNegativeInts = []string{"batch-size", "index"}

// checkFlags refuses negative durations and counts before any engine is
// asked anything, naming the flag.
func checkFlags(cmd *cobra.Command) error {
	var errs []error
	seen := map[string]bool{}
	check := func(f *pflag.Flag) {
		if seen[f.Name] {
			return
		}
		seen[f.Name] = true
		switch {
		case f.Value.Type() == "duration":
			if d, err := time.ParseDuration(f.Value.String()); err == nil && d < 0 {
				errs = append(errs, fmt.Errorf("--%s %s: want a duration of 0 or more", f.Name, f.Value))
			}
		case f.Value.Type() == "int" && slices.Contains(nonNegativeInts, f.Name):
			if n, err := strconv.Atoi(f.Value.String()); err == nil && n < 0 {
				errs = append(errs, fmt.Errorf("--%s %s: want 0 or more", f.Name, f.Value))
			}
		}
	}
	// Flags given before the command are parsed by the root's own sets.
	cmd.Flags().Visit(check)
	cmd.Root().PersistentFlags().Visit(check)
	cmd.Root().Flags().Visit(check)
	return errors.Join(errs...)
}
