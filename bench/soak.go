package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// The soak suite: zero failed requests behind the edge, again and again.
// stackctl alone brings the built-in stack up with web scaled to
// soakReplicas behind its edge, then runs SoakRounds rolling updates one
// after another while a client sends GET / through the edge every webGap
// on fresh connections. Each update changes web's environment only (a
// second compose file overrides it with the round's number), so no image
// is built and the round's time is the rolling update's. The suite runs
// once, after the rounds of the other suites, and is not in the default
// set (-suites soak).

// SuiteSoak is the soak suite.
const SuiteSoak = "soak"

// OptionalSuites run only when -suites names them.
var OptionalSuites = []string{SuiteSoak}

// DefaultSoakRounds is how many rolling updates a soak runs.
const DefaultSoakRounds = 20

// soakReplicas is how many web replicas run behind the edge.
const soakReplicas = 3

// stackctl puts a service behind its edge, an nginx container it names
// <service>-edge, that takes over the service's published port.
const (
	edgeSuffix = "-edge"
	edgeImage  = "nginx:1.22"
)

// soakRoundVar is the variable the override gives web, valued the round.
const soakRoundVar = "STACKBENCH_SOAK_ROUND"

// SoakReport is what a soak saw.
type SoakReport struct {
	Project  string `json:"project"`
	Port     int    `json:"port"`
	Replicas int    `json:"replicas"`
	// Burn is how many busy-loop goroutines loaded the machine.
	Burn   int         `json:"burn"`
	Rounds []SoakRound `json:"rounds"`
	// Requests, Failed and DialRetries are the rounds' sums; LongestGap
	// (seconds) their largest.
	Requests    int     `json:"requests"`
	Failed      int     `json:"failed"`
	LongestGap  float64 `json:"longest_gap_s"`
	DialRetries int     `json:"dial_retries"`
	// Failures and Retries say when and what, for finding a cause.
	Failures []SoakEvent `json:"failures,omitempty"`
	Retries  []SoakEvent `json:"retries,omitempty"`
	// Dropped counts events beyond the cap, not listed.
	Dropped int `json:"dropped_events,omitempty"`
	// Error is why the soak stopped early, if it did.
	Error string `json:"error,omitempty"`
}

// total sums the rounds.
func (s *SoakReport) total() {
	s.Requests, s.Failed, s.DialRetries, s.LongestGap = 0, 0, 0, 0
	for _, r := range s.Rounds {
		s.Requests += r.Requests
		s.Failed += r.Failed
		s.DialRetries += r.DialRetries
		s.LongestGap = max(s.LongestGap, r.LongestGap)
	}
}

// soakOverride is the compose file laid over the built-in one for round n:
// Compose's merge adds the variable to web's environment, which changes
// web's configuration and so replaces its replicas.
func soakOverride(n int) string {
	return fmt.Sprintf("# Written by stackbench's soak: each round changes web's environment only.\n"+
		"services:\n  web:\n    environment:\n      %s: \"%d\"\n", soakRoundVar, n)
}

// soakWebContainers are the names of web's replicas.
func soakWebContainers(project string) []string {
	out := make([]string, soakReplicas)
	for i := range out {
		out[i] = fmt.Sprintf("%s-web-%d", project, i+1)
	}
	return out
}

// soakResources are the soak's names beyond the tool's own: the other
// replicas of web and its edge.
func soakResources(t *Tool) []resource {
	var out []resource
	for _, name := range append(soakWebContainers(t.Project)[1:], t.Project+"-web"+edgeSuffix+"-1") {
		out = append(out, resource{"container", name, t.OwnerLabel, t.Project})
	}
	return out
}

// setUpSoak gives the soak its own copy of app/, its own free port and the
// override file, and stackctl on both files.
func (r *Runner) setUpSoak(ctx context.Context, workspace string) error {
	appDir := filepath.Join(workspace, "soak-app")
	appSrc := filepath.Join(r.cfg.RepoDir, "app")
	if err := copyDir(appSrc, appDir); err != nil {
		return fmt.Errorf("copy %s for the soak: %w", appSrc, err)
	}
	port, err := r.freePort()
	if err != nil {
		return err
	}
	override := filepath.Join(workspace, "soak-override.yaml")
	if err := os.WriteFile(override, []byte(soakOverride(0)), 0o644); err != nil {
		return err
	}
	t, err := NewStackctl(ctx, r.cfg.StackctlBin, StackSetup{
		ComposeFile: r.cfg.ComposeFile, Project: r.cfg.SoakProject,
		Env: builtinEnv(r.cfg.RepoDir, appDir, port), Port: port, AppDir: appDir,
	})
	if err != nil {
		return err
	}
	t.argv = append(t.argv, "-f", override)
	r.soak, r.soakOverride = t, override
	r.logf("soak     project %s, %d web replicas behind the edge on 127.0.0.1:%d, %d rolling updates",
		t.Project, soakReplicas, port, r.cfg.SoakRounds)
	return nil
}

func (r *Runner) soakTools() []*Tool {
	if r.soak == nil {
		return nil
	}
	return []*Tool{r.soak}
}

// soakUpArgs is `up` with web scaled behind the edge.
func (r *Runner) soakUpArgs(build bool) []string {
	return append(r.soak.upArgs(build), "--edge", "--scale", fmt.Sprintf("web=%d", soakReplicas))
}

// prepareSoak starts from a clean slate of the soak's project and brings
// the stack up, image built, web scaled behind the edge and answering.
func (r *Runner) prepareSoak(ctx context.Context) error {
	t := r.soak
	r.logf("preparing the soak: down -v, up --build --edge --scale web=%d", soakReplicas)
	if _, err := t.Down(ctx, true); err != nil {
		return fmt.Errorf("clear the soak's previous stack: %w", err)
	}
	upCtx, cancel := context.WithTimeout(ctx, r.cfg.LoadMax)
	defer cancel()
	if _, err := t.run(upCtx, r.soakUpArgs(true)); err != nil {
		return fmt.Errorf("bring the soak's stack up: %w", err)
	}
	waitCtx, cancelWait := context.WithTimeout(ctx, servingAgainMax)
	defer cancelWait()
	if _, err := waitWeb(waitCtx, r.probe, t.URL()); err != nil {
		return fmt.Errorf("the soak's edge does not answer 200 on %s: %w", t.URL(), err)
	}
	return nil
}

// runSoak runs the rolling updates under the client loop and puts what the
// client saw into the report.
func (r *Runner) runSoak(ctx context.Context) {
	t := r.soak
	rep := &SoakReport{Project: t.Project, Port: t.Port, Replicas: soakReplicas, Burn: r.cfg.SoakBurn}
	r.report.Soak = rep
	if r.cfg.SoakBurn > 0 {
		r.logf("soak: %d busy-loop goroutines load the machine until the soak ends", r.cfg.SoakBurn)
		defer burn(r.cfg.SoakBurn)()
	}
	tally := newSoakTally(time.Now())
	dialer := &soakDialer{}
	client := newSoakClient(dialer)
	loopCtx, stopLoop := context.WithCancel(ctx)
	stopped := make(chan time.Time, 1)
	go func() { stopped <- soakLoop(loopCtx, client, dialer, t.URL(), tally) }()
	err := r.soakRounds(ctx, tally)
	stopLoop()
	// The watch ends when the client stopped: after Ctrl-C, the time the
	// interrupted update takes to stop is no gap the client saw.
	rep.Rounds = tally.finish(<-stopped)
	rep.Failures, rep.Retries, rep.Dropped = tally.Failed, tally.Retries, tally.Dropped
	rep.total()
	switch {
	case ctx.Err() != nil:
		rep.Error = fmt.Sprintf("interrupted during round %d", len(rep.Rounds))
	case err != nil:
		rep.Error = err.Error()
		r.fail(0, "soak", err)
	}
	r.logf("soak: %d rounds, %d requests, %d failed, longest gap %.3fs, %d connection attempts retried",
		len(rep.Rounds), rep.Requests, rep.Failed, rep.LongestGap, rep.DialRetries)
}

// soakRounds runs the rolling updates one after another. Each round's
// client count runs from the start of its `up` to the start of the next;
// a round ends once the command has returned, web's replicas are all new
// and the client has had a 200 since the command returned.
func (r *Runner) soakRounds(ctx context.Context, tally *soakTally) error {
	t := r.soak
	webs := soakWebContainers(t.Project)
	for n := 1; n <= r.cfg.SoakRounds; n++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		before, err := r.containerIDs(ctx, webs)
		if err != nil {
			return fmt.Errorf("round %d: %w", n, err)
		}
		if err := os.WriteFile(r.soakOverride, []byte(soakOverride(n)), 0o644); err != nil {
			return err
		}
		upCtx, cancel := context.WithTimeout(ctx, r.cfg.LoadMax)
		tally.begin(n, time.Now())
		run, err := t.run(upCtx, r.soakUpArgs(false))
		cancel()
		tally.took(n, run.Took)
		if err != nil {
			return fmt.Errorf("round %d: %w", n, err)
		}
		returned := run.Began.Add(run.Took)
		waitCtx, cancelWait := context.WithTimeout(ctx, servingAgainMax)
		err = poll(waitCtx, webGap, func(context.Context) (bool, error) {
			return tally.lastOK().After(returned), nil
		})
		cancelWait()
		if err != nil {
			return fmt.Errorf("round %d: the client had no 200 within %s after the update returned: %w", n, servingAgainMax, err)
		}
		after, err := r.containerIDs(ctx, webs)
		if err != nil {
			return fmt.Errorf("round %d, after the update: %w", n, err)
		}
		for i, id := range after {
			if id == before[i] {
				return fmt.Errorf("round %d: the update did not replace %s", n, webs[i])
			}
		}
		r.logf("soak round %d/%d: update took %.3fs", n, r.cfg.SoakRounds, run.Took.Seconds())
	}
	return nil
}

func (r *Runner) containerIDs(ctx context.Context, names []string) ([]string, error) {
	ids := make([]string, len(names))
	for i, name := range names {
		c, err := r.eng.ContainerInspect(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", name, err)
		}
		ids[i] = c.ID
	}
	return ids, nil
}

// soakLoop sends GET url one request per webGap until ctx ends, each
// counted into tally with the connection attempts it retried, and returns
// when it stopped.
func soakLoop(ctx context.Context, client *http.Client, dialer *soakDialer, url string, tally *soakTally) time.Time {
	return tallyLoop(ctx, dialer, tally, func(ctx context.Context) (bool, string) { return soakGet(ctx, client, url) })
}

// tallyLoop sends one request (get, whose connections dialer makes) per
// webGap until ctx ends, each counted into tally with the connection
// attempts it retried, and returns when it stopped. Requests do not
// overlap: one that takes longer delays the next.
func tallyLoop(ctx context.Context, dialer *soakDialer, tally *soakTally, get func(context.Context) (bool, string)) time.Time {
	tick := time.NewTicker(webGap)
	defer tick.Stop()
	for {
		ok, failure := get(ctx)
		if ctx.Err() != nil {
			return time.Now() // stopped mid-request: not the stack's failure
		}
		tally.observe(soakResult{at: time.Now(), ok: ok, failure: failure, retries: dialer.take()})
		select {
		case <-ctx.Done():
			return time.Now()
		case <-tick.C:
		}
	}
}

// burn runs n goroutines that spin until the returned stop is called, with
// GOMAXPROCS raised by n meanwhile so they load the machine's CPUs as n
// busy processes would, rather than taking turns with the client loop on
// Go's own threads.
func burn(n int) (stop func()) {
	prev := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(prev + n)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := uint64(1)
			for {
				select {
				case <-done:
					sink(x)
					return
				default:
				}
				for range 1 << 12 {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
		runtime.GOMAXPROCS(prev)
	}
}

var burnSink uint64

func sink(x uint64) { burnSink += x }

// Print writes the soak's rounds, totals and every failure.
func (s *SoakReport) Print(w io.Writer) {
	load := "no added load"
	if s.Burn > 0 {
		load = fmt.Sprintf("%d busy-loop goroutines", s.Burn)
	}
	fmt.Fprintf(w, "\nsoak: %d rolling updates of web (%d replicas behind the edge, project %s, port %d), GET / every %s on fresh connections; %s\n",
		len(s.Rounds), s.Replicas, s.Project, s.Port, webGap, load)
	row := func(cells ...any) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%6s  %10s  %9s  %7s  %12s  %13s", cells...), " "))
	}
	row("round", "update", "requests", "failed", "longest gap", "dial retries")
	var took []float64
	for _, r := range s.Rounds {
		took = append(took, r.Took)
		row(fmt.Sprint(r.Round), fmt.Sprintf("%.3fs", r.Took), fmt.Sprint(r.Requests), fmt.Sprint(r.Failed),
			fmt.Sprintf("%.3fs", r.LongestGap), fmt.Sprint(r.DialRetries))
	}
	row("total", "", fmt.Sprint(s.Requests), fmt.Sprint(s.Failed), fmt.Sprintf("%.3fs", s.LongestGap), fmt.Sprint(s.DialRetries))
	if sum := summarize(took); sum.N > 0 {
		fmt.Fprintf(w, "update min/median/max %.3f / %.3f / %.3f s\n", sum.Min, sum.Median, sum.Max)
	}
	events := func(title string, es []SoakEvent) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, e := range es {
			fmt.Fprintf(w, "  round %d +%.3fs (%s): %s\n", e.Round, e.After, e.At.Format("15:04:05.000"), e.What)
		}
	}
	events("failed requests", s.Failures)
	events("connection attempts retried", s.Retries)
	if s.Dropped > 0 {
		fmt.Fprintf(w, "(%d more events not kept)\n", s.Dropped)
	}
	if s.Error != "" {
		fmt.Fprintf(w, "the soak stopped early: %s\n", s.Error)
	}
}
