package bench

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// watchChecks judges the floors: stackctl's watch at most half of
// Compose's time on each app, and no failed request in any of stackctl's
// rebuilds behind the edge.
func (r *Report) watchChecks() []Check {
	var checks []Check
	for _, k := range []struct{ metric, name string }{
		{metricWatchGoServing, "watch, Go app (rebuild): stackctl <= 0.5x Compose"},
		{metricWatchPyServing, "watch, Python app (sync+restart): stackctl <= 0.5x Compose"},
	} {
		s, okS := r.summary(k.metric, "stackctl")
		c, okC := r.summary(k.metric, "compose")
		ok := okS && okC && c.Median > 0
		ratio := 0.0
		if ok {
			ratio = s.Median / c.Median
		}
		checks = append(checks, Check{Name: k.name, Pass: ok && ratio <= 0.5, Measured: ok,
			Detail: measured(ok, "%.3fs vs %.3fs: %.2fx", s.Median, c.Median, ratio)})
	}
	f, ok := r.summary(metricWatchGoFailed, "stackctl")
	checks = append(checks, Check{Name: "watch, Go app: 0 failed requests in every rebuild behind the edge",
		Pass: ok && f.Max == 0, Measured: ok, Detail: measured(ok, "at most %.0f in %d rebuilds", f.Max, f.N)})
	return checks
}

// printWatch writes the watch suite's table, when the run measured it.
func (r *Report) printWatch(w io.Writer) {
	if !r.measured(metricWatchGoServing) && !r.measured(metricWatchPyServing) {
		return
	}
	fmt.Fprintf(w, "\nwatch: a one-line change under each tool's watch, a client sending GET / every %s\n", webGap)
	row := func(cells ...any) {
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("%-62s  %-27s  %-27s  %-18s  %s", cells...), " "))
	}
	row("", "stackctl watch", "docker compose watch", "stackctl/compose", "target")
	for _, m := range watchRows {
		if r.measured(m.metric) {
			row(m.title, r.cell(m.metric, "stackctl", m.unit), r.cell(m.metric, "compose", m.unit), r.ratioCell(m.metric), m.target)
		}
	}
	for _, m := range watchEngineRows {
		if r.measured(m.metric) {
			row("the engine alone, "+m.title, r.cell(m.metric, engineAloneTool, m.unit), "", r.halfOfCompose(m.metric, m.half)+" half of Compose's", "")
		}
	}
}

// halfOfCompose sets the median of the engine alone against half of
// Compose's median time for the same change (the metric half): above 1x,
// even a tool with no time of its own cannot take half of Compose's.
func (r *Report) halfOfCompose(metric, half string) string {
	e, okE := r.summary(metric, engineAloneTool)
	c, okC := r.summary(half, "compose")
	if !okE || !okC || c.Median <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", e.Median/(c.Median/2))
}

// The watch suite's charts.
const (
	chartWatch       = "watch-serving.png"
	chartWatchFailed = "watch-failed-requests.png"
)

// watchCharts are the watch suite's bar charts: the times, and the failed
// requests when any failed.
func (r *Report) watchCharts() []scenarioChart {
	var times, failed []string
	anyFailed := false
	for _, m := range watchRows {
		if !r.measured(m.metric) {
			continue
		}
		if m.unit == unitRequests {
			failed = append(failed, m.metric)
			for _, tool := range []string{"stackctl", "compose"} {
				if s, ok := r.summary(m.metric, tool); ok && s.Max > 0 {
					anyFailed = true
				}
			}
			continue
		}
		times = append(times, m.metric)
	}
	var charts []scenarioChart
	if len(times) > 0 {
		charts = append(charts, scenarioChart{file: chartWatch, unit: "seconds", metrics: times,
			title: "under watch: a one-line change until the change answers"})
	}
	if anyFailed {
		charts = append(charts, scenarioChart{file: chartWatchFailed, unit: "requests", metrics: failed,
			title: "under watch: requests that failed during a change"})
	}
	return charts
}

// watchStepStatuses are the progress events of stackctl's that mark a step
// of a change: the rest (each build step's line) is detail.
var watchStepStatuses = []string{"built", "creating", "started", "healthy", "upstream", "stopping", "stopped", "removed",
	"rebuilt", "synced, restarted", "restarted", "the change answered"}

// composeStep matches Compose's lines that mark a step of a change.
var composeStep = regexp.MustCompile(`after (\d+ )?changes were detected|Image \S+ Built|Container \S+-web-1 (Recreated|Started|Restarting)|restarted$`)

// watchSteps are a watch timeline's steps: the first build line and those
// that mark a step.
func watchSteps(tl []TimedEvent) []TimedEvent {
	var out []TimedEvent
	building := false
	for _, e := range tl {
		switch {
		case e.Status == "building" && !building:
			building = true
			out = append(out, e)
		case e.Resource == "output" && composeStep.MatchString(e.Status):
			out = append(out, e)
		case e.Resource != "output" && slices.Contains(watchStepStatuses, e.Status):
			out = append(out, e)
		}
	}
	return out
}

// watchStepLabel names a step shortly: stackctl's resource and status,
// Compose's line.
func watchStepLabel(e TimedEvent) string {
	if e.Resource == "output" {
		return e.Status
	}
	return strings.TrimSpace(e.Resource + " " + e.Status)
}

// watchSection is the watch suite's section of the page.
func (p *docsPage) watchSection(s DocsSource) {
	r := s.Report
	p.section("Edit -> serving under watch: stackctl watch and docker compose watch", s, []string{"stackctl", "compose"}, toolLegend)
	p.line("Each tool's `watch --no-up` follows the same compose files on the same engine, each tool in its own project with its own " +
		"copy of the source. A client sends `GET /` every 10 ms on fresh connections; one line of the source is written, and the " +
		"time runs from the write until an answer holds the changed line. Failed requests are those that ended after the write, " +
		"until 3 s after the change first answered (for stackctl, after it said the change was done). " +
		"The Go app is the built-in stack with `develop.watch` (`rebuild` on web's copy of `app/`) laid over it; stackctl runs web " +
		"behind its edge (`up --edge` before the watch), where a rebuild replaces it start-first, and Compose recreates it. " +
		"The Python app (`bench/watch/python`) is a standard-library HTTP server whose source is synced into the container, " +
		"which is then restarted (`sync+restart`), by both tools alike.")
	p.line()
	rows := [][]string{{"", toolLegend["stackctl"] + " watch", toolLegend["compose"] + " watch", "stackctl / Compose", "target"}}
	for _, m := range watchRows {
		if r.measured(m.metric) {
			rows = append(rows, []string{m.title, r.summaryCell(m.metric, "stackctl", m.unit),
				r.summaryCell(m.metric, "compose", m.unit), r.ratioCell(m.metric), m.target})
		}
	}
	p.table(rows)
	p.heading(3, "Where the time goes")
	p.line("Both tools build `app/Dockerfile` with the engine's BuildKit and the same cache mounts, and both restart the Python " +
		"app's container through the engine: the steps show how much of each change is that shared work. " +
		"They are each tool's median run, in seconds from the write: stackctl's progress events, Compose's lines as read, " +
		"and the client's first answer with the change.")
	p.line()
	var steps []string
	for _, m := range []struct{ metric, name string }{{metricWatchGoServing, "Go app"}, {metricWatchPyServing, "Python app"}} {
		for _, tool := range []string{"stackctl", "compose"} {
			s, ok := r.medianSample(m.metric, tool)
			if !ok || len(s.Timeline) == 0 {
				continue
			}
			var parts []string
			for _, e := range watchSteps(s.Timeline) {
				parts = append(parts, fmt.Sprintf("+%.2f %s", e.After, watchStepLabel(e)))
			}
			steps = append(steps, fmt.Sprintf("%s, %s (round %d, %.2f s): %s", toolLegend[tool], m.name, s.Round, s.Value, strings.Join(parts, "; ")))
		}
	}
	p.list(steps)
	if r.measured(metricWatchGoEngine) || r.measured(metricWatchPyEngine) {
		p.heading(3, "The least any tool can take")
		p.line("Each round, the same change is made once more with no tool at all, through the engine's API the moment the file " +
			"is written (no quiet period), on stackctl's copy of each app while its watch does not run. The Go app's context is " +
			"built by the engine's BuildKit from `app/Dockerfile`, with the cache mounts the tools' builds share, and timed until " +
			"the image is built, before any container starts; no client runs meanwhile, which leaves the build more of the " +
			"machine than the tools' builds have. The Python app's file is copied into its container through the " +
			"archive API and the container restarted, and timed until the change answers. A tool that does what `develop.watch` " +
			"says takes at least as long; where this is above half of Compose's time, so is every such tool.")
		p.line()
		rows := [][]string{{"", "the engine alone, no tool", "half of Compose's median", "the engine alone / half of Compose"}}
		for _, m := range watchEngineRows {
			if !r.measured(m.metric) {
				continue
			}
			half := "-"
			if c, ok := r.summary(m.half, "compose"); ok {
				half = fmt.Sprintf("%.3f s", c.Median/2)
			}
			rows = append(rows, []string{m.title, r.summaryCell(m.metric, engineAloneTool, m.unit), half, r.halfOfCompose(m.metric, m.half)})
		}
		p.table(rows)
	}
	p.heading(3, "Targets")
	p.checksTable(r.watchChecks())
	p.errorsList(r)
	p.charts(r.watchCharts())
}
