package bench

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The edit suite: what a developer waits for after changing one line of the
// app. Each tool runs the built-in stack in its own project, with its own
// port and copy of app/; each round changes one line of that copy (the
// greeting web answers GET / with, so the new version is told from the old
// by what it answers) and runs what the tool's user runs to see it:
//
//   - stackctl: `up` (it rebuilds an image whose build changed), with
//     BuildKit, on app/Dockerfile as it is;
//   - stackctl-classic: the same with DOCKER_BUILDKIT=0, the classic
//     builder, which refuses app/Dockerfile's RUN --mount: its copy of the
//     app builds from edit/Dockerfile.classic, the app's Dockerfile as it
//     was before builds went to BuildKit (the dependencies compiled in a
//     layer of their own);
//   - Docker Compose: `up -d --build --wait`, building through the buildx
//     plugin with the engine's BuildKit, on app/Dockerfile as it is.
//
// Timed from the command's start until GET / answers 200 with the changed
// line, asked every webGap from then on, and, on a second row, until the
// command returned.

// SuiteEdit is the edit suite.
const SuiteEdit = "edit"

// toolStackctlClassic is stackctl building with the classic builder.
const toolStackctlClassic = "stackctl-classic"

const (
	metricEditServing  = "edit-serving"
	metricEditReturned = "edit-returned"
)

// editRows are the edit suite's rows.
var editRows = []metricRow{
	{metricEditServing, "one-line change of the app -> the new version answers", unitSeconds, "BuildKit <= 0.4x classic"},
	{metricEditReturned, "   ... the command returned", unitSeconds, ""},
}

// editTimeout bounds one edit's up and wait: a classic build on a loaded
// machine takes a minute or two.
const editTimeout = 10 * time.Minute

// editPrepareTimeout bounds each tool's first up, whose build may download
// and compile every module.
const editPrepareTimeout = 20 * time.Minute

//go:embed edit/Dockerfile.classic
var classicDockerfile []byte

// The line the suite changes, in the app's copy: web's greeting.
const (
	editFile = "internal/server/handlers.go"
	editLine = `"Hello from the Go app connected to Postgres & Redis! visits=%d served_by=%s", total, h.hostname))`
)

// editTool is one tool of the edit suite and what its user runs after an
// edit.
type editTool struct {
	*Tool
	up []string
	// source is the app's copy's editFile as copied.
	source []byte
}

// editedSource is source with editLine's greeting carrying marker: one
// line changed.
func editedSource(source []byte, marker string) ([]byte, error) {
	return markLine(source, editFile, editLine, editAnchor, marker)
}

// editAnchor is the words of editLine the marker is put after.
const editAnchor = "Redis!"

// markLine changes line, which must occur once in source (the file
// named), putting " edit=marker" after anchor.
func markLine(source []byte, file, line, anchor, marker string) ([]byte, error) {
	if n := bytes.Count(source, []byte(line)); n != 1 {
		return nil, fmt.Errorf("%s holds the line %s %d times, not once: the benchmark changes that line", file, line, n)
	}
	if !strings.Contains(line, anchor) {
		return nil, fmt.Errorf("the line %s of %s lacks %q, after which the benchmark puts its marker", line, file, anchor)
	}
	changed := strings.Replace(line, anchor, anchor+" edit="+marker, 1)
	return bytes.Replace(source, []byte(line), []byte(changed), 1), nil
}

// setUpEdit makes the three tools' copies of the stack.
func (r *Runner) setUpEdit(ctx context.Context, workspace string) error {
	if err := composeBuilds(ctx); err != nil {
		return err
	}
	appSrc := filepath.Join(r.cfg.RepoDir, "app")
	source, err := os.ReadFile(filepath.Join(appSrc, editFile))
	if err != nil {
		return fmt.Errorf("the edit suite: %w", err)
	}
	if _, err := editedSource(source, "check"); err != nil {
		return err
	}
	var setups [3]StackSetup
	for i, suffix := range []string{"buildkit", "classic", "compose"} {
		if setups[i], err = r.builtinSetup(workspace, r.cfg.EditProject+"-"+suffix); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(setups[1].AppDir, "Dockerfile"), classicDockerfile, 0o644); err != nil {
		return fmt.Errorf("the edit suite: the classic builder's Dockerfile: %w", err)
	}
	buildkit, err := NewStackctl(ctx, r.cfg.StackctlBin, setups[0])
	if err != nil {
		return fmt.Errorf("the edit suite: %w", err)
	}
	classic, err := NewStackctl(ctx, r.cfg.StackctlBin, setups[1])
	if err != nil {
		return fmt.Errorf("the edit suite: %w", err)
	}
	classic.Name = toolStackctlClassic
	classic.env = append(classic.env, "DOCKER_BUILDKIT=0")
	classic.Version += ", DOCKER_BUILDKIT=0, bench/edit/Dockerfile.classic"
	compose, err := NewCompose(ctx, r.cfg.StackctlBin, setups[2])
	if err != nil {
		return fmt.Errorf("the edit suite: %w", err)
	}
	composeUp := append(compose.upArgs(true), compose.waitArgs...)
	r.edit = []*editTool{
		{Tool: buildkit, up: buildkit.upArgs(false), source: source},
		{Tool: classic, up: classic.upArgs(false), source: source},
		{Tool: compose, up: composeUp, source: source},
	}
	for _, t := range r.edit {
		info := r.report.Tools[t.Name]
		info.Version = t.Version
		r.report.Tools[t.Name] = info
		r.logf("edit: %-16s %s, project %s, web on 127.0.0.1:%d, after an edit: %s",
			t.Name, t.Version, t.Project, t.Port, strings.Join(t.up, " "))
	}
	return nil
}

// composeBuilds checks that Compose can build the app: it builds through
// the buildx plugin, and without it falls back to the classic builder,
// which refuses app/Dockerfile.
func composeBuilds(ctx context.Context) error {
	if out, err := exec.CommandContext(ctx, "docker", "buildx", "version").CombinedOutput(); err != nil {
		return fmt.Errorf("Compose builds the app through the buildx plugin, and `docker buildx version` fails "+
			"(`make buildx` builds it): %w\n%s", err, out)
	}
	return nil
}

func (r *Runner) editTools() []*Tool {
	var out []*Tool
	for _, t := range r.edit {
		out = append(out, t.Tool)
	}
	return out
}

// prepareEdit brings each tool's stack up from nothing, building its image
// (untimed: the first build may download and compile every module), and
// checks that it serves.
func (r *Runner) prepareEdit(ctx context.Context) error {
	for _, t := range r.edit {
		r.logf("preparing the edit suite's %s: down -v, the first build and up", t.Name)
		if err := r.upFromNothing(ctx, t.Tool, t.up); err != nil {
			return fmt.Errorf("the edit suite's first up of %s: %w", t.Name, err)
		}
	}
	return nil
}

// upFromNothing takes t's stack down, volumes too, and runs up (bounded
// by editPrepareTimeout: the first build may download and compile every
// module), noting the anonymous volumes the engine made.
func (r *Runner) upFromNothing(ctx context.Context, t *Tool, up []string) error {
	if _, err := t.Down(ctx, true); err != nil {
		return fmt.Errorf("clear the previous stack %s: %w", t.Project, err)
	}
	upCtx, cancel := context.WithTimeout(ctx, editPrepareTimeout)
	defer cancel()
	if _, err := t.run(upCtx, up); err != nil {
		return err
	}
	return r.noteAnonymousVolumes(ctx, t)
}

// editRound changes each tool's copy once, taking turns.
func (r *Runner) editRound(ctx context.Context, round int) {
	for _, t := range inTurn(r.edit, round) {
		if ctx.Err() != nil {
			return
		}
		if err := r.editCycle(ctx, round, t); err != nil && ctx.Err() == nil {
			r.fail(round, t.Name, fmt.Errorf("edit: %w", err))
		}
	}
}

func (r *Runner) editCycle(ctx context.Context, round int, t *editTool) error {
	ctx, cancel := context.WithTimeout(ctx, editTimeout)
	defer cancel()
	if !getOK(ctx, r.web, t.URL()) {
		return fmt.Errorf("web does not answer 200 on %s before the edit", t.URL())
	}
	marker := fmt.Sprintf("%s-%d-%d", t.Name, round, time.Now().UnixNano())
	edited, err := editedSource(t.source, marker)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(t.AppDir, editFile), edited, 0o644); err != nil {
		return fmt.Errorf("change the app's source: %w", err)
	}
	run, err := t.run(ctx, t.up)
	if err != nil {
		return err
	}
	returned := run.Began.Add(run.Took)
	servedAt, err := waitAnswer(ctx, r.probe, t.URL(), "edit="+marker)
	if err != nil {
		return err
	}
	r.record(Sample{Round: round, Tool: t.Name, Metric: metricEditServing, Value: servedAt.Sub(run.Began).Seconds(), Unit: unitSeconds,
		Note: fmt.Sprintf("command returned at %.3fs", run.Took.Seconds()), Timeline: timeline(run.Began, run.Events)})
	r.record(Sample{Round: round, Tool: t.Name, Metric: metricEditReturned, Value: returned.Sub(run.Began).Seconds(), Unit: unitSeconds})
	return nil
}

// waitAnswer returns when GET url answers 200 with a body holding want,
// with the time that answer came. One request at a time: web is up
// throughout (the old version answers until the new one does), so no
// request waits on a container's network being set up.
func waitAnswer(ctx context.Context, client *http.Client, url, want string) (time.Time, error) {
	var at time.Time
	err := poll(ctx, webGap, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte(want)) {
			at = time.Now()
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("wait for %s to answer with %q: %w", url, want, err)
	}
	return at, nil
}

// editChecks judges the target for the edit suite: stackctl with
// BuildKit takes at most 40% of the classic builder's time.
func (r *Report) editChecks() []Check {
	bk, okB := r.summary(metricEditServing, "stackctl")
	classic, okC := r.summary(metricEditServing, toolStackctlClassic)
	ok := okB && okC && classic.Median > 0
	ratio := 0.0
	if ok {
		ratio = bk.Median / classic.Median
	}
	return []Check{{
		Name: "edit -> serving: BuildKit <= 0.4x the classic builder", Pass: ok && ratio <= 0.4, Measured: ok,
		Detail: measured(ok, "%.3fs vs %.3fs: %.2fx", bk.Median, classic.Median, ratio),
	}}
}

// editToolOrder is the edit suite's tools in the order its tables show them.
var editToolOrder = []string{"stackctl", toolStackctlClassic, "compose"}

// printEdit writes the edit suite's table, when the run measured it.
func (r *Report) printEdit(w io.Writer) {
	if !r.measured(metricEditServing) {
		return
	}
	fmt.Fprintf(w, "\nedit: a one-line change of the app, then what each tool's user runs\n")
	row := func(cells ...any) {
		line := fmt.Sprintf("%-56s  %-27s  %-27s  %-27s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	row("", "stackctl (BuildKit)", "stackctl (classic builder)", "compose (buildx, BuildKit)", "BuildKit/classic")
	for _, m := range editRows {
		row(m.title, r.cell(m.metric, "stackctl", m.unit), r.cell(m.metric, toolStackctlClassic, m.unit),
			r.cell(m.metric, "compose", m.unit), r.classicRatioCell(m.metric))
	}
}

// classicRatioCell is stackctl's median of metric over the classic
// builder's.
func (r *Report) classicRatioCell(metric string) string {
	s, okS := r.summary(metric, "stackctl")
	c, okC := r.summary(metric, toolStackctlClassic)
	if !okS || !okC || c.Median <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", s.Median/c.Median)
}

// chartEdit is the edit suite's chart.
const chartEdit = "edit-serving.png"

// editChart is the edit suite's bar chart, the three tools side by side.
func (r *Report) editChart() []scenarioChart {
	if !r.measured(metricEditServing) {
		return nil
	}
	return []scenarioChart{{file: chartEdit, title: "a one-line change of the app until the new version answers",
		unit: "seconds", metrics: []string{metricEditServing, metricEditReturned}}}
}

// edit is the edit suite's section of the page.
func (p *docsPage) edit(s DocsSource) {
	r := s.Report
	p.section("Edit -> serving: a one-line change of the app", s, editToolOrder, toolLegend)
	p.line("The built-in stack runs; one line of the app's source changes (web's greeting), then each tool's user runs " +
		"what brings the change up: `stackctl up`, the same with `DOCKER_BUILDKIT=0`, and `docker compose up -d --build --wait`. " +
		"Timed until `GET /` answers with the changed line. The classic builder refuses `app/Dockerfile` (`RUN --mount`), " +
		"so stackctl's classic run builds `bench/edit/Dockerfile.classic`: the same image, its dependencies compiled in a layer " +
		"of their own, as `app/Dockerfile` was before BuildKit. Compose builds `app/Dockerfile` through the buildx plugin, " +
		"with the engine's BuildKit, as stackctl does.")
	p.line()
	rows := [][]string{{"", toolLegend["stackctl"] + " (BuildKit)", toolLegend[toolStackctlClassic], toolLegend["compose"] + " (buildx)",
		"BuildKit / classic", "stackctl / Compose", "target"}}
	for _, m := range editRows {
		rows = append(rows, []string{m.title, r.summaryCell(m.metric, "stackctl", m.unit), r.summaryCell(m.metric, toolStackctlClassic, m.unit),
			r.summaryCell(m.metric, "compose", m.unit), r.classicRatioCell(m.metric), r.ratioCell(m.metric), m.target})
	}
	p.table(rows)
	p.heading(3, "Targets")
	p.checksTable(r.editChecks())
	p.errorsList(r)
	p.charts(r.editChart())
}
