package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Metric names, as samples and the JSON results call them.
const (
	metricColdUp         = "cold-up"
	metricColdUpReturned = "cold-up-returned"
	metricFirstUp        = "first-up"
	metricFirstReturned  = "first-up-returned"
	metricNoopUp         = "noop-up"
	metricCrash          = "crash-recovery"
	metricCrashDBReady   = "crash-db-ready"
	metricRedeploy       = "redeploy"
	metricRedeployFailed = "redeploy-failed-requests"
	metricRedeployGap    = "redeploy-longest-gap"
	// The same redeploy with web behind stackctl's edge (stackctl only).
	metricEdgeRedeploy       = "edge-redeploy"
	metricEdgeRedeployFailed = "edge-redeploy-failed-requests"
	metricEdgeRedeployGap    = "edge-redeploy-longest-gap"
	metricDown               = "down"
	// The foreign file (both tools).
	metricForeignUp   = "foreign-up"
	metricForeignDown = "foreign-down"
	// Loading the built-in file (stackctl only): `stackctl config` in a
	// new process, and the same binary's bare start (see loadplan.go).
	metricLoadConfig = "load-config"
	metricLoadStart  = "load-start"
	// Loading and planning in a probe process of the benchmark's own,
	// and again in a warm one: what runs before the load suite drove the
	// binary recorded, read back from their results.
	metricLoadPlan     = "load-plan"
	metricLoadPlanWarm = "load-plan-warm"
	// PostgreSQL alone, the floor.
	metricFloorExec = "pg-floor-exec"
	metricFloorTCP  = "pg-floor-tcp"
)

// floorTool is the "tool" of the PostgreSQL floor samples.
const floorTool = "postgres"

const (
	unitSeconds  = "s"
	unitRequests = "requests"
	unitMillis   = "ms"
	unitMiB      = "MiB"
)

// metricRow is one row of the scenarios' table: its metric, title and
// unit, and the target for stackctl where it sets one (judged in
// Report.checks).
type metricRow struct{ metric, title, unit, target string }

// metricRows are the table's rows, in order.
var metricRows = []metricRow{
	{metricColdUp, "1. cold up: volume has data -> web 200", unitSeconds, "<= 0.12x, floor + 0.5s"},
	{metricColdUpReturned, "   ... the command returned", unitSeconds, ""},
	{metricFirstUp, "2. first up: no volume (initdb) -> web 200", unitSeconds, "<= 0.3x"},
	{metricFirstReturned, "   ... the command returned", unitSeconds, ""},
	{metricNoopUp, "3. no-op up", unitSeconds, "<= 0.5x, < 300ms"},
	{metricCrash, "4. crash db (host SIGKILL) -> web 200", unitSeconds, "floor + 0.3s"},
	{metricCrashDBReady, "   ... -> db pg_isready", unitSeconds, ""},
	{metricRedeploy, "5. redeploy under load: up --build -> web 200", unitSeconds, ""},
	{metricRedeployFailed, "   failed requests", unitRequests, ""},
	{metricRedeployGap, "   longest gap seen by the client", unitSeconds, ""},
	{metricEdgeRedeploy, "5b. the same behind the edge (stackctl --edge)", unitSeconds, ""},
	{metricEdgeRedeployFailed, "   failed requests", unitRequests, "0, every round"},
	{metricEdgeRedeployGap, "   longest gap seen by the client", unitSeconds, ""},
	{metricDown, "6. down -v: running -> all removed", unitSeconds, "<= 0.5x"},
	{metricForeignUp, "7. foreign file: nothing -> front 200", unitSeconds, "<= 0.2x"},
	{metricForeignDown, "   ... then down -v", unitSeconds, ""},
	{metricLoadConfig, "8. stackctl config: load the built-in file", unitMillis, "less start < 20ms"},
	{metricLoadStart, "   ... stackctl --help: the start alone", unitMillis, ""},
	{metricLoadPlan, "8. load + plan the built-in file, probe process", unitMillis, "< 20ms"},
	{metricLoadPlanWarm, "   ... in a warm process", unitMillis, ""},
}

// floorRow is one row of the floor's table, PostgreSQL alone.
type floorRow struct{ metric, title string }

var floorRows = []floorRow{
	{metricFloorTCP, "start -> accepting (TCP from the host)"},
	{metricFloorExec, "start -> pg_isready (exec, as db-ready above)"},
}

// Sample is one measurement.
type Sample struct {
	Round  int     `json:"round"`
	Tool   string  `json:"tool"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Note   string  `json:"note,omitempty"`
	// Services is the stack's size, for the growth suite's samples.
	Services int `json:"services,omitempty"`
	// Timeline is stackctl's progress events of the run, timed from the
	// command's start: where its time went.
	Timeline []TimedEvent `json:"timeline,omitempty"`
}

// valueText is the sample's value in its unit, with its note, for
// progress lines.
func (s Sample) valueText() string {
	var value string
	switch s.Unit {
	case unitRequests:
		value = fmt.Sprintf("%.0f", s.Value)
	case unitMillis:
		value = fmt.Sprintf("%.1fms", s.Value)
	case unitMiB:
		value = fmt.Sprintf("%.1f MiB", s.Value)
	default:
		value = fmt.Sprintf("%.3fs", s.Value)
	}
	if s.Note != "" {
		value += " (" + s.Note + ")"
	}
	return value
}

// TimedEvent is one progress event, seconds after the command started.
type TimedEvent struct {
	After    float64 `json:"after_s"`
	Resource string  `json:"resource"`
	Status   string  `json:"status"`
	Detail   string  `json:"detail,omitempty"`
}

func timeline(began time.Time, events []progressEvent) []TimedEvent {
	out := make([]TimedEvent, 0, len(events))
	for _, e := range events {
		out = append(out, TimedEvent{After: e.Time.Sub(began).Seconds(), Resource: e.Resource, Status: e.Status, Detail: e.Detail})
	}
	return out
}

// Summary is min / median / max over a metric's samples.
type Summary struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

func summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	v := slices.Sorted(slices.Values(values))
	mid := len(v) / 2
	median := v[mid]
	if len(v)%2 == 0 {
		median = (v[mid-1] + v[mid]) / 2
	}
	return Summary{N: len(v), Min: v[0], Median: median, Max: v[len(v)-1]}
}

// ToolInfo says which tool ran as what.
type ToolInfo struct {
	Version string `json:"version"`
	// Project and Port are the built-in stack's.
	Project string `json:"project,omitempty"`
	Port    int    `json:"port,omitempty"`
	// ForeignProject and ForeignPort are the foreign file's.
	ForeignProject string `json:"foreign_project,omitempty"`
	ForeignPort    int    `json:"foreign_port,omitempty"`
}

// Check is one of the targets for stackctl, judged on medians.
type Check struct {
	Name string `json:"name"`
	Pass bool   `json:"pass"`
	// Measured is false when the run took none of the samples the check
	// needs (a suite or scenario not run, or every run of it failed).
	Measured bool   `json:"measured"`
	Detail   string `json:"detail"`
}

// Report is everything a run measured; it is also the JSON output.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Rounds   int       `json:"rounds"`
	Engine   string    `json:"engine"`
	// Machine is what the run ran on and how busy it was.
	Machine *Machine            `json:"machine,omitempty"`
	Tools   map[string]ToolInfo `json:"tools"`
	// Baseline names the tool that is another build of stackctl, timed
	// beside stackctl on the built-in stack (Config.Baseline); empty when
	// the run had none.
	Baseline string `json:"baseline,omitempty"`
	// Summaries are by metric, then tool.
	Summaries map[string]map[string]Summary `json:"summaries"`
	// Ratios are stackctl's median over compose's (a swarm comparison's:
	// over docker stack deploy's), by metric.
	Ratios  map[string]float64 `json:"ratios"`
	Checks  []Check            `json:"checks"`
	Errors  []string           `json:"errors,omitempty"`
	Samples []Sample           `json:"samples"`
	// Soak is the soak suite's rolling updates, when it ran.
	Soak *SoakReport `json:"soak,omitempty"`
	// Swarm is the rest of a swarm comparison's results (RunSwarm); its
	// samples compare stackctl with docker stack deploy, not Compose.
	Swarm *SwarmReport `json:"swarm,omitempty"`
}

func (r *Report) values(metric, tool string) []float64 {
	var out []float64
	for _, s := range r.Samples {
		if s.Metric == metric && s.Tool == tool {
			out = append(out, s.Value)
		}
	}
	return out
}

// measured reports whether any tool has samples of metric.
func (r *Report) measured(metric string) bool {
	return len(r.Summaries[metric]) > 0
}

func (r *Report) summary(metric, tool string) (Summary, bool) {
	s, ok := r.Summaries[metric][tool]
	return s, ok && s.N > 0
}

// addError records a failure in round (0: outside the rounds) of tool (""
// for none in particular) and returns its message.
func (r *Report) addError(round int, tool string, err error) string {
	msg := fmt.Sprintf("round %d, %s: %v", round, tool, err)
	if round == 0 {
		msg = strings.TrimPrefix(fmt.Sprintf("%s: %v", tool, err), ": ")
	}
	r.Errors = append(r.Errors, msg)
	return msg
}

// finish stamps the end of the run and computes summaries, ratios and
// checks from the samples.
func (r *Report) finish() {
	r.Finished = time.Now()
	r.compute()
}

// compute derives summaries, ratios and checks from the samples.
func (r *Report) compute() {
	r.Summaries = map[string]map[string]Summary{}
	r.Ratios = map[string]float64{}
	for _, s := range r.Samples {
		if r.Summaries[s.Metric] == nil {
			r.Summaries[s.Metric] = map[string]Summary{}
		}
		r.Summaries[s.Metric][s.Tool] = summarize(r.values(s.Metric, s.Tool))
	}
	other := "compose"
	if r.Swarm != nil {
		other = toolStackDeploy
	}
	for metric := range r.Summaries {
		s, okS := r.summary(metric, "stackctl")
		c, okC := r.summary(metric, other)
		if okS && okC && c.Median > 0 {
			r.Ratios[metric] = s.Median / c.Median
		}
	}
	// The targets are for one engine, against Compose: a swarm
	// comparison measures none of them.
	r.Checks = nil
	if r.Swarm == nil {
		r.Checks = r.checks()
	}
}

// checks judges the targets for stackctl.
func (r *Report) checks() []Check {
	return slices.Concat(r.scenarioChecks(), r.growthChecks(), r.editChecks(), r.watchChecks())
}

// scenarioChecks judges the targets for the load, built-in,
// foreign and soak suites.
func (r *Report) scenarioChecks() []Check {
	var out []Check
	floor, hasFloor := r.summary(metricFloorTCP, floorTool)
	ratioAtMost := func(metric string, limit float64) {
		ratio, ok := r.Ratios[metric]
		out = append(out, Check{
			Name: fmt.Sprintf("%s <= %gx compose", metric, limit),
			Pass: ok && ratio <= limit, Measured: ok, Detail: ratioText(ratio, ok),
		})
	}
	nearFloor := func(metric string, slack time.Duration) {
		s, ok := r.summary(metric, "stackctl")
		c := Check{Name: fmt.Sprintf("%s within %s of the postgres floor", metric, slack)}
		if c.Measured = ok && hasFloor; c.Measured {
			over := s.Median - floor.Median
			c.Pass = over <= slack.Seconds()
			c.Detail = fmt.Sprintf("%.3fs = floor %.3fs + %.3fs", s.Median, floor.Median, over)
		} else {
			c.Detail = "not measured"
		}
		out = append(out, c)
	}
	ratioAtMost(metricColdUp, 0.12)
	nearFloor(metricColdUp, 500*time.Millisecond)
	ratioAtMost(metricFirstUp, 0.3)
	ratioAtMost(metricNoopUp, 0.5)
	noop, ok := r.summary(metricNoopUp, "stackctl")
	out = append(out, Check{Name: "noop-up under 300ms", Pass: ok && noop.Median < 0.3, Measured: ok, Detail: measured(ok, "%.3fs", noop.Median)})
	nearFloor(metricCrash, 300*time.Millisecond)
	ratioAtMost(metricDown, 0.5)
	// With one web container on a fixed host port no tool can redeploy
	// without a gap; stackctl's answer is the edge, so that is where the
	// zero-failure target is judged.
	failed, ok := r.summary(metricEdgeRedeployFailed, "stackctl")
	out = append(out, Check{Name: "redeploy under load behind the edge: 0 failed requests, every round", Pass: ok && failed.Max == 0,
		Measured: ok, Detail: measured(ok, "failed min/median/max %.0f/%.0f/%.0f", failed.Min, failed.Median, failed.Max)})
	soak := r.Soak != nil && len(r.Soak.Rounds) > 0
	soakCheck := Check{Name: "soak: 0 failed requests in every rolling update", Measured: soak, Detail: "not measured"}
	if soak {
		soakCheck.Pass = r.Soak.Failed == 0 && r.Soak.Error == ""
		soakCheck.Detail = fmt.Sprintf("%d failed of %d requests in %d updates, longest gap %.3fs",
			r.Soak.Failed, r.Soak.Requests, len(r.Soak.Rounds), r.Soak.LongestGap)
		if r.Soak.Error != "" {
			soakCheck.Detail += ", stopped early"
		}
	}
	out = append(out, soakCheck)
	ratioAtMost(metricForeignUp, 0.2)
	return append(out, r.loadCheck())
}

func measured(ok bool, format string, args ...any) string {
	if !ok {
		return "not measured"
	}
	return fmt.Sprintf(format, args...)
}

func ratioText(ratio float64, ok bool) string {
	if !ok {
		return "not measured"
	}
	return fmt.Sprintf("%.2fx", ratio)
}

// PrintTable writes the human summary: one row per scenario, the floor,
// the checks, and errors.
func (r *Report) PrintTable(w io.Writer) {
	if r.Swarm != nil {
		r.printSwarm(w)
		return
	}
	fmt.Fprintf(w, "\n%d rounds; engine %s; %s\n", r.Rounds, r.Engine, r.Started.Format("2006-01-02T15:04Z07:00"))
	if r.Machine != nil {
		fmt.Fprintf(w, "  machine: %s\n  %s\n", r.Machine, r.Machine.LoadText())
	}
	for _, name := range []string{"stackctl", "compose", r.Baseline} {
		t, ok := r.Tools[name]
		if !ok {
			continue
		}
		var runs []string
		if t.Project != "" {
			runs = append(runs, fmt.Sprintf("project %s, port %d", t.Project, t.Port))
		}
		if t.ForeignProject != "" {
			runs = append(runs, fmt.Sprintf("foreign file: project %s, port %d", t.ForeignProject, t.ForeignPort))
		}
		line := fmt.Sprintf("  %-8s %s", name, t.Version)
		if len(runs) > 0 {
			line += " (" + strings.Join(runs, "; ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	row := func(cells ...any) {
		line := fmt.Sprintf("%-48s  %-27s  %-27s  %-16s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	header := true
	for _, m := range r.measuredRows() {
		if header {
			fmt.Fprintln(w)
			row("scenario", "stackctl min/median/max", "compose min/median/max", "stackctl/compose", "target")
			header = false
		}
		row(m.title, r.cell(m.metric, "stackctl", m.unit), r.cell(m.metric, "compose", m.unit), r.ratioCell(m.metric), m.target)
	}
	if r.Baseline != "" {
		fmt.Fprintln(w)
		row("scenario", "stackctl min/median/max", r.Baseline+" min/median/max", "stackctl/"+r.Baseline, "")
		for _, m := range r.baselineRows() {
			row(m.title, r.cell(m.metric, "stackctl", m.unit), r.cell(m.metric, r.Baseline, m.unit), r.baselineRatioCell(m.metric), "")
		}
	}
	if r.measured(metricFloorTCP) || r.measured(metricFloorExec) {
		fmt.Fprintln(w)
		row("postgres itself, no tool (the floor)", "min/median/max", "", "", "")
		for _, m := range floorRows {
			row(m.title, r.cell(m.metric, floorTool, unitSeconds), "", "", "")
		}
	}
	r.printGrowth(w)
	r.printEdit(w)
	r.printWatch(w)
	if r.Soak != nil {
		r.Soak.Print(w)
	}
	fmt.Fprintln(w, "\nstackctl against the issue's targets (medians; the floor is the TCP one):")
	for _, c := range r.Checks {
		fmt.Fprintf(w, "  %-4s  %-58s %s\n", c.verdict(), c.Name, c.Detail)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "\n%d errors:\n", len(r.Errors))
		for _, e := range r.Errors {
			fmt.Fprintf(w, "  - %s\n", strings.ReplaceAll(e, "\n", "\n    "))
		}
	}
}

// measuredRows are the rows of the scenarios' table the report has
// samples of: a suite or scenario the run left out has none.
func (r *Report) measuredRows() []metricRow {
	return slices.DeleteFunc(slices.Clone(metricRows), func(m metricRow) bool { return !r.measured(m.metric) })
}

// verdict is the check's outcome in a word: ok, MISS, or -- when it was
// not measured.
func (c Check) verdict() string {
	switch {
	case c.Pass:
		return "ok"
	case !c.Measured:
		return "--"
	}
	return "MISS"
}

// PrintTimelines writes, for each stackctl up-like metric, the progress
// timeline of its median run: where stackctl's time goes.
func (r *Report) PrintTimelines(w io.Writer) {
	for _, metric := range []string{metricColdUp, metricFirstUp, metricNoopUp, metricRedeploy, metricDown, metricForeignUp,
		metricWatchGoServing, metricWatchPyServing} {
		s, ok := r.medianSample(metric, "stackctl")
		if !ok || len(s.Timeline) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nstackctl %s, round %d (%.3fs):\n", metric, s.Round, s.Value)
		for _, e := range s.Timeline {
			fmt.Fprintf(w, "  +%7.3fs  %-40s %s %s\n", e.After, e.Resource, e.Status, e.Detail)
		}
	}
}

// medianSample is the sample of metric whose value is closest to its median.
func (r *Report) medianSample(metric, tool string) (Sample, bool) {
	sum, ok := r.summary(metric, tool)
	if !ok {
		return Sample{}, false
	}
	var best Sample
	found := false
	for _, s := range r.Samples {
		if s.Metric == metric && s.Tool == tool && (!found || math.Abs(s.Value-sum.Median) < math.Abs(best.Value-sum.Median)) {
			best, found = s, true
		}
	}
	return best, found
}

func (r *Report) cell(metric, tool, unit string) string {
	s, ok := r.summary(metric, tool)
	if !ok {
		return "-"
	}
	switch unit {
	case unitRequests:
		return fmt.Sprintf("%.0f / %.0f / %.0f", s.Min, s.Median, s.Max)
	case unitMillis:
		return fmt.Sprintf("%.1f / %.1f / %.1f ms", s.Min, s.Median, s.Max)
	}
	return fmt.Sprintf("%.3f / %.3f / %.3f s", s.Min, s.Median, s.Max)
}

// baselineRows are the rows of the scenarios' table the baseline build
// has samples of.
func (r *Report) baselineRows() []metricRow {
	return slices.DeleteFunc(slices.Clone(metricRows), func(m metricRow) bool {
		_, ok := r.summary(m.metric, r.Baseline)
		return !ok
	})
}

// baselineRatioCell is stackctl's median of metric over the baseline
// build's.
func (r *Report) baselineRatioCell(metric string) string {
	s, okS := r.summary(metric, "stackctl")
	b, okB := r.summary(metric, r.Baseline)
	if !okS || !okB || b.Median <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", s.Median/b.Median)
}

func (r *Report) ratioCell(metric string) string {
	ratio, ok := r.Ratios[metric]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2fx", ratio)
}

// printGrowth writes the growth suite's table: per size, both tools' cold
// and no-op up and peak memory, then the fitted slopes of the cold up.
func (r *Report) printGrowth(w io.Writer) {
	sizes := r.growthSizes()
	if len(sizes) == 0 {
		return
	}
	fmt.Fprintf(w, "\ngrowth: N %s services, half a chain of health gates, half fanned off it (median (min-max))\n", growthImage)
	row := func(cells ...any) {
		line := fmt.Sprintf("%8s  %-27s  %-27s  %-20s  %-20s  %-17s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	row("services", "stackctl cold up", "compose cold up", "stackctl no-op up", "compose no-op up",
		"stackctl RSS", "compose RSS")
	row("", "", "", "", "", "cold/no-op", "cold/no-op")
	secs := func(metric, tool string) string {
		s, ok := r.summary(metric, tool)
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%.3f s (%.3f-%.3f)", s.Median, s.Min, s.Max)
	}
	ms := func(metric, tool string) string {
		s, ok := r.summary(metric, tool)
		if !ok {
			return "-"
		}
		return fmt.Sprintf("%.0f ms (%.0f-%.0f)", s.Median*1000, s.Min*1000, s.Max*1000)
	}
	rss := func(n int, tool string) string {
		cold, okC := r.summary(growthMetric(metricGrowthColdRSS, n), tool)
		noop, okN := r.summary(growthMetric(metricGrowthNoopRSS, n), tool)
		if !okC && !okN {
			return "-"
		}
		cell := func(s Summary, ok bool) string {
			if !ok {
				return "-"
			}
			return fmt.Sprintf("%.1f", s.Median)
		}
		return cell(cold, okC) + "/" + cell(noop, okN) + " MiB"
	}
	for _, n := range sizes {
		row(strconv.Itoa(n),
			secs(growthMetric(metricGrowthColdUp, n), "stackctl"), secs(growthMetric(metricGrowthColdUp, n), "compose"),
			ms(growthMetric(metricGrowthNoopUp, n), "stackctl"), ms(growthMetric(metricGrowthNoopUp, n), "compose"),
			rss(n, "stackctl"), rss(n, "compose"))
	}
	var fits []string
	for _, tool := range []string{"stackctl", "compose"} {
		if f, ok := r.growthFit(metricGrowthColdUp, tool); ok {
			fits = append(fits, fmt.Sprintf("%s %.3f s/service (%+.2f s at 0)", tool, f.Slope, f.Intercept))
		}
	}
	if len(fits) > 0 {
		fmt.Fprintf(w, "cold up, least-squares line through the medians: %s\n", strings.Join(fits, ", "))
		fmt.Fprintln(w, "(no-op up: the same command once the engine found every service healthy; RSS: the largest resident set of the tool's process, in MiB)")
	}
}

// ReadReport reads a report WriteJSON wrote and derives its summaries,
// ratios and checks again from its samples.
func ReadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read results from %s: %w", path, err)
	}
	r.compute()
	return &r, nil
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results to %s: %w", path, err)
	}
	return nil
}
