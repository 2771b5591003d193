package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Tool is one of the two command lines under test, bound to its own project,
// host port and copy of the app, so the two never touch each other's stack.
type Tool struct {
	// Name is "stackctl" or "compose", as the results call it.
	Name string
	// Version is what the tool says it is, for the report.
	Version string
	// Project is the tool's project name; Names are derived from it.
	Project string
	Names   StackNames
	// OwnerLabel is the label whose value is Project on everything the tool
	// made; a resource under one of Names without it is not ours.
	OwnerLabel string
	// Port is the host port the stack's HTTP front (web, for the built-in
	// stack) publishes.
	Port int
	// AppDir is the tool's private copy of the app, its build context
	// (built-in stack only).
	AppDir string

	argv     []string // command and global flags
	env      []string // added to the environment
	upArgs   func(build bool) []string
	downArgs func(volumes bool) []string
	// scrubComposeEnv drops the inherited COMPOSE_* variables: -p and -f
	// say what runs.
	scrubComposeEnv bool
	// events says the tool writes --progress json events on stderr.
	events bool
	// WaitsForHealth says UpWait returns only once every service with a
	// healthcheck is healthy: stackctl's `up` always does, Compose's with
	// --wait (v2.1 and later). Otherwise the caller must poll health.
	WaitsForHealth bool
	// waitArgs are added to `up` for UpWait.
	waitArgs []string
	// rssWrapper, when set, is the maxrss program the tool runs under, so
	// each invocation says how much memory it took.
	rssWrapper string
}

// Invocation is one finished run of a tool.
type Invocation struct {
	Began  time.Time
	Took   time.Duration
	Output string
	// Events are the tool's progress events, stackctl only.
	Events []progressEvent
	// MaxRSSKiB is the largest resident set, in KiB, of the tool's process
	// or of any descendant it waited for (for `docker compose`: the docker
	// CLI or the Compose plugin it runs), as the maxrss wrapper read it
	// from the kernel's rusage of its child. Zero when the tool ran
	// without the wrapper. RSSFloorKiB is the wrapper's own peak: a
	// reading not above it is only an upper bound (see bench/cmd/maxrss).
	MaxRSSKiB, RSSFloorKiB int64
}

// Up runs the tool's `up`, rebuilding images when build is set.
func (t *Tool) Up(ctx context.Context, build bool) (Invocation, error) {
	return t.run(ctx, t.upArgs(build))
}

// UpWait runs the tool's `up` (no build) so that, when WaitsForHealth is
// set, it returns once every service is healthy.
func (t *Tool) UpWait(ctx context.Context) (Invocation, error) {
	return t.run(ctx, append(t.upArgs(false), t.waitArgs...))
}

// Down runs the tool's `down`, removing volumes too when volumes is set.
func (t *Tool) Down(ctx context.Context, volumes bool) (Invocation, error) {
	return t.run(ctx, t.downArgs(volumes))
}

// URL is the HTTP front's address on the loopback interface.
func (t *Tool) URL() string { return "http://127.0.0.1:" + strconv.Itoa(t.Port) + "/" }

func (t *Tool) run(ctx context.Context, args []string) (Invocation, error) {
	argv := append(append([]string{}, t.argv...), args...)
	var report, reportW *os.File
	if t.rssWrapper != "" {
		argv = append([]string{t.rssWrapper}, argv...)
		var err error
		if report, reportW, err = os.Pipe(); err != nil {
			return Invocation{}, err
		}
		defer report.Close()
		defer reportW.Close()
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(t.inheritedEnv(), t.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if reportW != nil {
		cmd.ExtraFiles = []*os.File{reportW} // fd 3
	}
	// On Ctrl-C, let the tool stop its own work cleanly before it is
	// killed (the wrapper passes the signal on).
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 20 * time.Second
	began := time.Now()
	err := cmd.Start()
	if err == nil {
		if reportW != nil {
			reportW.Close() // the wrapper has its own copy
		}
		err = cmd.Wait()
	}
	run := Invocation{Began: began, Took: time.Since(began), Output: stdout.String() + stderr.String()}
	if report != nil && cmd.ProcessState != nil {
		// The wrapper has exited and the tool never had the pipe: this
		// cannot block.
		line, _ := io.ReadAll(report)
		fmt.Sscanf(string(line), "maxrss_kib %d floor_kib %d", &run.MaxRSSKiB, &run.RSSFloorKiB)
	}
	if t.events {
		run.Events = parseEvents(stderr.Bytes())
	}
	if err != nil {
		return run, fmt.Errorf("%s %s: %w\n%s", t.Name, strings.Join(args, " "), err, tail(run.Output, 30))
	}
	return run, nil
}

func (t *Tool) inheritedEnv() []string {
	if !t.scrubComposeEnv {
		return os.Environ()
	}
	return withoutComposeEnv(os.Environ())
}

// progressEvent is one line of stackctl's `--progress json`: one step of
// work on one resource.
type progressEvent struct {
	Time time.Time `json:"time"`
	// Resource names what the event is about: "container web-app",
	// "image postgres:15".
	Resource string `json:"resource"`
	// Status is a short word or phrase: "creating", "started", "healthy".
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Level is "info" or, for a problem, "error".
	Level string `json:"level,omitempty"`
}

// parseEvents picks stackctl's JSON progress events out of its stderr,
// skipping the plain summary lines around them.
func parseEvents(stderr []byte) []progressEvent {
	var events []progressEvent
	sc := bufio.NewScanner(bytes.NewReader(stderr))
	sc.Buffer(nil, 1<<20) // a build step can print a long line
	for sc.Scan() {
		var e progressEvent
		if json.Unmarshal(sc.Bytes(), &e) == nil && !e.Time.IsZero() {
			events = append(events, e)
		}
	}
	return events
}

// tail is the last n lines of s, for error messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// StackSetup is one tool's copy of a stack: the file, the project, the
// variables the file interpolates, and the host port of the service the
// benchmark sends HTTP requests to.
type StackSetup struct {
	ComposeFile string
	Project     string
	Env         map[string]string
	Port        int
	// AppDir is the tool's private copy of app/, for the built-in stack.
	AppDir string
}

// NewStackctl is stackctl at bin, run on the setup's file and project with
// --progress json so each run's timeline says where its time went.
func NewStackctl(ctx context.Context, bin string, s StackSetup) (*Tool, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("find stackctl (build it with `make build`): %w", err)
	}
	names, err := namesFor(ctx, bin, []string{s.ComposeFile}, s.Project, s.Env)
	if err != nil {
		return nil, err
	}
	t := &Tool{
		Name: "stackctl", Project: s.Project, Names: names, OwnerLabel: stackctlProjectLabel,
		Port: s.Port, AppDir: s.AppDir, events: true,
		// `stackctl up` waits until every service is healthy, probing
		// itself as well as reading the engine's verdicts.
		WaitsForHealth:  true,
		argv:            []string{bin, "-p", s.Project, "-f", s.ComposeFile, "--progress", "json"},
		env:             envList(s.Env),
		scrubComposeEnv: true,
		upArgs: func(build bool) []string {
			args := []string{"up"}
			if build {
				args = append(args, "--build")
			}
			return args
		},
		downArgs: func(volumes bool) []string {
			if volumes {
				return []string{"down", "-v"}
			}
			return []string{"down"}
		},
	}
	// stackctl has no version command; it is this checkout's.
	t.Version = "built from this checkout (" + bin + ")"
	return t, nil
}

// NewCompose is Docker Compose on the setup's file and project: `docker
// compose` (v2 or later) when the plugin answers, else Debian's
// `docker-compose` v1. Both tools name what they make alike, Compose's
// names for the same file and project: stackctl (the binary at
// stackctlBin) resolves them.
func NewCompose(ctx context.Context, stackctlBin string, s StackSetup) (*Tool, error) {
	argv, version, err := findCompose(ctx)
	if err != nil {
		return nil, err
	}
	canWait := composeCanWait(ctx, argv)
	names, err := namesFor(ctx, stackctlBin, []string{s.ComposeFile}, s.Project, s.Env)
	if err != nil {
		return nil, err
	}
	t := &Tool{
		Name: "compose", Version: version, Project: s.Project, Names: names,
		OwnerLabel: composeProjectLabel, Port: s.Port, AppDir: s.AppDir,
		argv: append(argv, "-p", s.Project, "-f", s.ComposeFile),
		// Builds go through the buildx plugin to the engine's BuildKit,
		// as stackctl's go to it directly (composeBuilds checks the
		// plugin is there: without it Compose falls back to the classic
		// builder, which refuses the app's RUN --mount).
		env: envList(s.Env),
		// The caller's COMPOSE_* settings (project, files, profiles) must
		// not change which stack runs: -p and -f say that.
		scrubComposeEnv: true,
		upArgs: func(build bool) []string {
			args := []string{"up", "-d"}
			if build {
				args = append(args, "--build")
			}
			return args
		},
		downArgs: func(volumes bool) []string {
			if volumes {
				return []string{"down", "-v"}
			}
			return []string{"down"}
		},
		WaitsForHealth: canWait,
	}
	if canWait {
		t.waitArgs = []string{"--wait"}
	}
	return t, nil
}

// composeCanWait reports whether this Compose's `up` has --wait, which
// returns once every service is running and healthy.
func composeCanWait(ctx context.Context, argv []string) bool {
	help := slices.Concat(argv, []string{"up", "--help"})
	out, err := exec.CommandContext(ctx, help[0], help[1:]...).CombinedOutput()
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "--wait" {
			return true
		}
	}
	return false
}

// findCompose prefers the Compose v2+ CLI plugin and falls back to v1.
func findCompose(ctx context.Context) (argv []string, version string, err error) {
	if out, err := exec.CommandContext(ctx, "docker", "compose", "version").Output(); err == nil {
		return []string{"docker", "compose"}, strings.TrimSpace(string(out)), nil
	}
	if out, err := exec.CommandContext(ctx, "docker-compose", "version", "--short").Output(); err == nil {
		return []string{"docker-compose"}, "docker-compose " + strings.TrimSpace(string(out)) + " (v1)", nil
	}
	return nil, "", errors.New("find Docker Compose: neither `docker compose` nor `docker-compose` runs; `make compose` builds the plugin")
}

// builtinEnv is the interpolation environment of one copy of the built-in
// stack: web's port, the private copy of the app, and the repository's
// database password file (the file's own default is relative to the
// project directory, which -f makes the file's).
func builtinEnv(repoDir, appDir string, port int) map[string]string {
	return map[string]string{
		"WEB_PORT": strconv.Itoa(port), "APP_DIR": appDir,
		"POSTGRES_PASSWORD_FILE": filepath.Join(repoDir, "secrets", "postgres_password"),
	}
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// buildMaxRSS builds bench/cmd/maxrss into dir: the small program the tools
// run under so that their peak memory is theirs alone (see its doc).
func buildMaxRSS(ctx context.Context, repoDir, dir string) (string, error) {
	out := filepath.Join(dir, "maxrss")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/maxrss")
	cmd.Dir = filepath.Join(repoDir, "bench") // the benchmarks' module
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the maxrss wrapper (go build ./cmd/maxrss in bench/): %w\n%s", err, msg)
	}
	return out, nil
}
