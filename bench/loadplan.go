package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

// Loading and planning is what `stackctl up` does with the compose file
// before it asks the engine anything about containers; the issue allows it
// 20 ms of a no-op up. It is timed on the built-in stack's file, the one the
// no-op up scenario runs, in two ways: in fresh processes, as each `stackctl
// up` pays it (compose-go's first load compiles its schema), and again and
// again in one warm process.
const (
	loadPlanTarget = 20 * time.Millisecond
	// loadProcesses fresh processes and loadWarmRuns in-process runs per
	// round.
	loadProcesses = 5
	loadWarmRuns  = 20
	loadTimeout   = time.Minute
)

// The fresh-process probe's interface: the file and project it reads from
// its environment, and the line it prints.
const (
	loadProbeFileEnv    = "STACKBENCH_LOAD_PROBE_FILE"
	loadProbeProjectEnv = "STACKBENCH_LOAD_PROBE_PROJECT"
	loadProbePrefix     = "stackbench load-and-plan ns "
)

// loadAndPlan loads the file as stackctl does (through compose-go, with the
// process's environment for interpolation), shapes it with nothing
// deployed, validates it (start order included), and derives what the plan
// compares with the engine's containers: every replica's container name and
// config hash. It returns those, by container name. The image IDs, which
// stackctl reads from the engine, are left empty.
func loadAndPlan(ctx context.Context, opts stack.LoadOptions) (map[string]string, error) {
	st, err := stack.Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := st.ApplyShape(stack.Shape{}); err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	plan := map[string]string{}
	for i := range st.Services {
		svc := &st.Services[i]
		hash := st.ConfigHash(svc, "")
		for n := 1; n <= svc.Replicas; n++ {
			plan[st.ContainerName(svc, n)] = hash
		}
	}
	return plan, nil
}

func timeLoadAndPlan(ctx context.Context, opts stack.LoadOptions) (time.Duration, error) {
	began := time.Now()
	_, err := loadAndPlan(ctx, opts)
	return time.Since(began), err
}

// RunLoadProbe is the fresh-process side of the measurement. When the
// environment names a file (as the runner sets it), it times one load and
// plan of it, prints the time to w and returns true: the program has done
// its job and should exit. Otherwise it does nothing and returns false.
// stackbench calls it before anything else, so the runner can run stackbench
// itself as the probe (Config.LoadProbe).
func RunLoadProbe(w io.Writer) (bool, error) {
	file := os.Getenv(loadProbeFileEnv)
	if file == "" {
		return false, nil
	}
	took, err := timeLoadAndPlan(context.Background(), stack.LoadOptions{
		Files: []string{file}, ProjectName: os.Getenv(loadProbeProjectEnv),
	})
	if err != nil {
		return true, fmt.Errorf("load and plan %s: %w", file, err)
	}
	_, err = fmt.Fprintf(w, "%s%d\n", loadProbePrefix, took.Nanoseconds())
	return true, err
}

// parseLoadProbe finds the probe's line in its output.
func parseLoadProbe(out []byte) (time.Duration, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), loadProbePrefix)
		if !ok {
			continue
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
		if err != nil || ns <= 0 {
			return 0, fmt.Errorf("load probe: bad time %q", rest)
		}
		return time.Duration(ns), nil
	}
	return 0, fmt.Errorf("load probe: no line starting %q in its output:\n%s", loadProbePrefix, tail(string(out), 10))
}

// loadSetup is what the load is timed on: the built-in file, in the stackctl
// project, with the variables the benchmark gives stackctl (the repository's
// app/ as build context: loading reads nothing in it).
func (r *Runner) loadSetup() (file, project string, env map[string]string) {
	return r.cfg.ComposeFile, r.cfg.StackctlProject, builtinEnv(r.cfg.RepoDir, filepath.Join(r.cfg.RepoDir, "app"), 0)
}

// loadRound takes loadProcesses fresh-process samples (when Config.LoadProbe
// says how) and loadWarmRuns in-process ones.
func (r *Runner) loadRound(ctx context.Context, round int) {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	file, project, env := r.loadSetup()
	if len(r.cfg.LoadProbe) > 0 {
		for range loadProcesses {
			took, err := r.runLoadProbe(ctx, file, project, env)
			if err != nil {
				if ctx.Err() == nil {
					r.fail(round, "stackctl", err)
				}
				return
			}
			r.record(Sample{Round: round, Tool: "stackctl", Metric: metricLoadPlan, Value: millis(took), Unit: unitMillis})
		}
	}
	opts := stack.LoadOptions{Files: []string{file}, ProjectName: project, Environment: env}
	var warm []float64
	for range loadWarmRuns {
		took, err := timeLoadAndPlan(ctx, opts)
		if err != nil {
			if ctx.Err() == nil {
				r.fail(round, "stackctl", fmt.Errorf("load and plan %s: %w", file, err))
			}
			return
		}
		warm = append(warm, millis(took))
	}
	// One line for the lot: the samples all go into the report.
	for _, v := range warm {
		r.report.Samples = append(r.report.Samples, Sample{Round: round, Tool: "stackctl", Metric: metricLoadPlanWarm, Value: v, Unit: unitMillis})
	}
	s := summarize(warm)
	r.logf("round %d/%d  %-8s  %-26s %.1fms min, %.1fms median of %d", round, r.cfg.Rounds, "stackctl", metricLoadPlanWarm, s.Min, s.Median, s.N)
}

// runLoadProbe runs the probe command once, in the environment stackctl gets
// from the benchmark.
func (r *Runner) runLoadProbe(ctx context.Context, file, project string, env map[string]string) (time.Duration, error) {
	probe := r.cfg.LoadProbe
	cmd := exec.CommandContext(ctx, probe[0], probe[1:]...)
	// As for the tools: the caller's COMPOSE_* settings must not change
	// what is loaded.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "COMPOSE_") })
	cmd.Env = append(cmd.Env, envList(env)...)
	cmd.Env = append(cmd.Env, loadProbeFileEnv+"="+file, loadProbeProjectEnv+"="+project)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("load probe %s: %w\n%s", probe[0], err, tail(stderr.String(), 10))
	}
	return parseLoadProbe(stdout.Bytes())
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
