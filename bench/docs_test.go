package bench

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// chartsFixture is a charts directory with a file under every chart name.
func chartsFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range append(chartNames(), chartSwarmTimes, chartSwarmFailed) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("png"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// docsFixture is two runs of every single-engine suite but the soak, the
// older listed last, and a swarm comparison.
func docsFixture(t *testing.T) Docs {
	older, newer := fullReport(), fullReport()
	older.Started = newer.Started.Add(-24 * time.Hour)
	for _, r := range []*Report{older, newer} {
		r.Engine = "unix:///var/run/docker.sock (API 1.41), Docker Engine 20.10.24"
		r.Tools = map[string]ToolInfo{"stackctl": {Version: "built from this checkout"}, "compose": {Version: "Docker Compose version v5.6.0"}}
	}
	return Docs{
		Sources: []DocsSource{
			{Link: "../bench/charts/results-new.json", Report: newer},
			{Link: "../bench/charts/results-swarm.json", Report: swarmReport()},
			{Link: "../bench/charts/results-old.json", Report: older},
		},
		ChartsDir: chartsFixture(t), ChartsLink: "../bench/charts",
	}
}

func TestDocsPage(t *testing.T) {
	var b strings.Builder
	if err := docsFixture(t).Write(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		// Each section names the newest run that measured it.
		"| results | [results-new.json](../bench/charts/results-new.json) |",
		"| started | 2026-01-02T03:04Z |",
		"| engine | unix:///var/run/docker.sock (API 1.41), Docker Engine 20.10.24 |",
		"| Docker Compose | Docker Compose version v5.6.0 |",
		"| machine | 2 CPUs, 23 GiB |",
		// Median, then min–max; the ratio of the medians; the target.
		"| 3. no-op up | 0.250 s (0.200–0.300) | 0.750 s (0.600–0.900) | 0.33x | <= 0.5x, < 300ms |",
		"| 8. load + plan the built-in file, probe process | 12.0 ms (11.0–14.0) | - | - | < 20ms |",
		"| start -> accepting (TCP from the host) | 1.200 s (1.100–1.300) |",
		"| noop-up under 300ms | ok | 0.250s |",
		"| crash-recovery within 300ms of the postgres floor | MISS |",
		"| 40 | 4.500 s (4.300–4.700) | 203.000 s (202.800–203.200) | 0.080 s (0.078–0.082) | 1.200 s (1.198–1.202) | " +
			"34.0 MiB (33.8–34.2) / 30.0 MiB (29.8–30.2) | 54.0 MiB (53.8–54.2) / 50.0 MiB (49.8–50.2) |",
		"| stackctl | 0.100 | +0.50 |",
		"| growth: max RSS <= 40 MiB at 40 services | ok |",
		"| stackctl --swarm | built from this checkout |",
		"| deploy -> first 200 on web's port (any node) | 21.000 s (20.000–22.000) | 40.000 s (30.000–50.000) | 0.53x |",
		"- services.*.deploy.endpoint_mode: dnsrr",
		"- docker stack deploy, builtin: volume bench-sw-d_postgres_data on host (round 1, 2, 3)",
		"![stackctl and Docker Compose: scenarios whose slower median is under 1 s](../bench/charts/scenarios-under-1s.png)",
		"![cold up as the stack grows](../bench/charts/growth-cold-up.png)",
		"![stackctl --swarm and docker stack deploy, same swarm and file](../bench/charts/swarm.png)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, absent := range []string{"results-old.json", "## The soak", "growth: cold up slope <= 0.5x compose's | -- |"} {
		if strings.Contains(page, absent) {
			t.Errorf("the page has %q", absent)
		}
	}
	// The growth targets are the growth section's, not the scenarios'.
	if n := strings.Count(page, "| growth: no-op up under 100ms at 40 services |"); n != 1 {
		t.Errorf("the growth no-op target is on the page %d times, want once", n)
	}
	var at []int
	for _, heading := range []string{"## stackctl and Docker Compose on one engine (Docker Engine 20.10.24, API 1.41)", "## Growth:", "## stackctl --swarm and docker stack deploy"} {
		at = append(at, strings.Index(page, "\n"+heading))
	}
	if slices.Contains(at, -1) || !slices.IsSorted(at) {
		t.Errorf("sections at %v, want all of them in order", at)
	}
	// Every table is well formed: each row has the header's cells.
	cells := 0
	for line := range strings.Lines(page) {
		if !strings.HasPrefix(line, "|") {
			cells = 0
			continue
		}
		n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") - 1
		if cells == 0 {
			cells = n
		} else if n != cells {
			t.Errorf("a row of %d cells in a table of %d: %s", n, cells, line)
		}
	}
}

func TestDocsPageRefuses(t *testing.T) {
	d := docsFixture(t)
	if err := os.Remove(filepath.Join(d.ChartsDir, chartGrowthRSS)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := d.Write(&b); err == nil || !strings.Contains(err.Error(), chartGrowthRSS) {
		t.Errorf("a chart missing: err = %v, want it named", err)
	}
	if b.Len() > 0 {
		t.Errorf("a page written despite the error:\n%s", b.String())
	}
	empty := Docs{Sources: []DocsSource{{Link: "r.json", Report: &Report{}}}, ChartsDir: d.ChartsDir}
	if err := empty.Write(&b); err == nil {
		t.Error("no results measured anything: no error")
	}
}

// docs/benchmarks.md is what the results committed beside the charts
// make of it: `make bench-docs` after new results, never a hand edit.
func TestBenchmarksPageIsUpToDate(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("charts", "results-*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no results beside the charts (%v)", err)
	}
	d := Docs{ChartsDir: "charts", ChartsLink: "../bench/charts"}
	for _, path := range paths {
		r, err := ReadReport(path)
		if err != nil {
			t.Fatal(err)
		}
		d.Sources = append(d.Sources, DocsSource{Link: "../bench/" + filepath.ToSlash(path), Report: r})
	}
	var b strings.Builder
	if err := d.Write(&b); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "docs", "benchmarks.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != b.String() {
		t.Error("docs/benchmarks.md is not what bench/charts/results-*.json make of it: run `make bench-docs`")
	}
}

// sideBySideReport is a run of the built-in stack's cold and first up
// with a baseline build of stackctl, newer than docsFixture's runs.
func sideBySideReport(compose bool) *Report {
	r := &Report{Started: time.Date(2026, 1, 3, 3, 4, 0, 0, time.UTC), Rounds: 3, Baseline: "stackctl-gate",
		Machine: &Machine{CPUs: 2, MemoryGiB: 23.4, LoadStart: [3]float64{3.5, 4, 4}, LoadEnd: [3]float64{4.5, 4, 4}},
		Engine:  "unix:///var/run/docker.sock (API 1.41), Docker Engine 20.10.24",
		Tools: map[string]ToolInfo{"stackctl": {Version: "built from this checkout"},
			"stackctl-gate": {Version: "the build with the start gate"}}}
	add := func(tool, metric string, values ...float64) {
		for i, v := range values {
			r.Samples = append(r.Samples, Sample{Round: i + 1, Tool: tool, Metric: metric, Value: v, Unit: unitSeconds})
		}
	}
	add("stackctl", metricColdUp, 2.2, 1.9, 2)
	add("stackctl-gate", metricColdUp, 1, 0.9, 1.1)
	add("stackctl", metricFirstUp, 4, 4.5, 4.1)
	add("stackctl-gate", metricFirstUp, 4, 5, 4.2)
	add(floorTool, metricFloorTCP, 0.7, 0.8, 0.9)
	if compose {
		r.Tools["compose"] = ToolInfo{Version: "Docker Compose version v5.6.0"}
		add("compose", metricColdUp, 6, 5, 7)
	}
	r.compute()
	return r
}

func TestDocsPageSideBySide(t *testing.T) {
	d := docsFixture(t)
	d.Sources = append(d.Sources, DocsSource{Link: "../bench/charts/results-sidebyside.json", Report: sideBySideReport(true)})
	var b strings.Builder
	if err := d.Write(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	// The regular sections stay the newest regular run's.
	scenarios := page[strings.Index(page, "\n## stackctl and Docker Compose on one engine"):]
	scenarios = scenarios[:strings.Index(scenarios[1:], "\n## ")+1]
	if !strings.Contains(scenarios, "results-new.json") || strings.Contains(scenarios, "results-sidebyside.json") {
		t.Errorf("the scenarios section is not the newest run's without a baseline:\n%s", scenarios)
	}
	at := strings.Index(page, "\n## Side by side: stackctl against stackctl-gate\n")
	if at < 0 {
		t.Fatalf("no side-by-side section:\n%s", page)
	}
	side := page[at:]
	if next := strings.Index(side[1:], "\n## "); next >= 0 {
		side = side[:next+1]
	}
	for _, want := range []string{
		"| results | [results-sidebyside.json](../bench/charts/results-sidebyside.json) |",
		"| stackctl | built from this checkout |",
		"| stackctl-gate | the build with the start gate |",
		"| Docker Compose | Docker Compose version v5.6.0 |",
		"| scenario | stackctl | stackctl-gate | Docker Compose | stackctl / stackctl-gate |",
		"| 1. cold up: volume has data -> web 200 | 2.000 s (1.900–2.200) | 1.000 s (0.900–1.100) | 6.000 s (5.000–7.000) | 2.00x |",
		"| 2. first up: no volume (initdb) -> web 200 | 4.100 s (4.000–4.500) | 4.200 s (4.000–5.000) | - | 0.98x |",
		"| start -> accepting (TCP from the host) | 0.800 s (0.700–0.900) |",
	} {
		if !strings.Contains(side, want) {
			t.Errorf("the side-by-side section lacks %q:\n%s", want, side)
		}
	}
	for _, absent := range []string{"3. no-op up", "### Targets", "redeploy"} {
		if strings.Contains(side, absent) {
			t.Errorf("the side-by-side section has %q:\n%s", absent, side)
		}
	}

	// Without Compose, no Compose column; a baseline run alone makes a page.
	alone := Docs{Sources: []DocsSource{{Link: "r.json", Report: sideBySideReport(false)}}, ChartsDir: d.ChartsDir}
	b.Reset()
	if err := alone.Write(&b); err != nil {
		t.Fatal(err)
	}
	if want := "| scenario | stackctl | stackctl-gate | stackctl / stackctl-gate |"; !strings.Contains(b.String(), want) {
		t.Errorf("the page lacks %q:\n%s", want, b.String())
	}
	if strings.Contains(b.String(), "## stackctl and Docker Compose on one engine") {
		t.Errorf("a baseline run made the scenarios section:\n%s", b.String())
	}
}

// Runs on two engines make two scenario sections, the older API first, each
// the newest run on its engine; the charts are the first engine's only.
func TestDocsPageTwoEngines(t *testing.T) {
	d := docsFixture(t)
	current := fullReport()
	current.Engine = "unix:///run/stackctl-engines/stackctl-bench-current/docker.sock (API 1.56), Docker Engine 2.0.0-beta.24"
	current.Tools = map[string]ToolInfo{"stackctl": {Version: "built from this checkout"}, "compose": {Version: "Docker Compose version v5.6.0"}}
	d.Sources = append([]DocsSource{{Link: "../bench/charts/results-current.json", Report: current}}, d.Sources...)
	var b strings.Builder
	if err := d.Write(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	first := strings.Index(page, "\n## stackctl and Docker Compose on one engine (Docker Engine 20.10.24, API 1.41)\n")
	second := strings.Index(page, "\n## stackctl and Docker Compose on one engine (Docker Engine 2.0.0-beta.24, API 1.56)\n")
	growth := strings.Index(page, "\n## Growth:")
	if first < 0 || second < first || growth < second {
		t.Fatalf("scenario sections at %d (API 1.41) and %d (API 1.56), growth at %d: want both, in that order, before growth", first, second, growth)
	}
	if !strings.Contains(page[first:second], "results-new.json") || !strings.Contains(page[second:growth], "results-current.json") {
		t.Errorf("each section should name its engine's newest run")
	}
	if !strings.Contains(page[first:second], "scenarios-under-1s.png") || strings.Contains(page[second:growth], ".png") ||
		!strings.Contains(page[second:growth], "No charts for this engine's run") {
		t.Errorf("the charts belong to the first engine's section only")
	}
}
