package bench

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Comparing two runs: each metric of each tool that both runs measured is
// judged from the overlap of its min-max ranges, the spread a run's own
// rounds show. Lower is better for every metric the benchmark records
// (seconds, milliseconds, failed requests, memory). A metric regressed when
// NEW's min is above OLD's max: every new sample is worse than every old
// one. It improved when NEW's max is below OLD's min. Otherwise the ranges
// overlap and the move of the median is within the noise.

// Verdict is how a metric moved from one run to the next.
type Verdict string

const (
	Regressed   Verdict = "regressed"
	Improved    Verdict = "improved"
	WithinNoise Verdict = "within noise"
	OnlyOld     Verdict = "only in OLD"
	OnlyNew     Verdict = "only in NEW"
)

// Judge compares two summaries of the same metric, lower being better.
func Judge(old, cur Summary) Verdict {
	switch {
	case old.N == 0 && cur.N == 0:
		return WithinNoise
	case cur.N == 0:
		return OnlyOld
	case old.N == 0:
		return OnlyNew
	case cur.Min > old.Max:
		return Regressed
	case cur.Max < old.Min:
		return Improved
	}
	return WithinNoise
}

// Comparison is one metric of one tool in both runs.
type Comparison struct {
	Metric, Tool, Unit string
	Old, New           Summary
	Verdict            Verdict
}

// Change is the relative move of the median, NaN when either run lacks
// the metric or OLD's median is zero.
func (c Comparison) Change() float64 {
	if c.Old.N == 0 || c.New.N == 0 || c.Old.Median == 0 {
		return math.NaN()
	}
	return c.New.Median/c.Old.Median - 1
}

// Compare judges every metric and tool either run measured: regressions
// first, then improvements, then those within the noise, then those only
// one run has; each group in the report's order of metrics.
func Compare(old, cur *Report) []Comparison {
	units := map[string]string{}
	services := map[string]int{}
	for _, s := range slices.Concat(old.Samples, cur.Samples) {
		units[s.Metric] = s.Unit
		services[s.Metric] = s.Services
	}
	var out []Comparison
	seen := map[[2]string]bool{}
	for _, r := range []*Report{old, cur} {
		for metric, byTool := range r.Summaries {
			for tool := range byTool {
				key := [2]string{metric, tool}
				if seen[key] {
					continue
				}
				seen[key] = true
				o, _ := old.summary(metric, tool)
				n, _ := cur.summary(metric, tool)
				out = append(out, Comparison{Metric: metric, Tool: tool, Unit: units[metric], Old: o, New: n, Verdict: Judge(o, n)})
			}
		}
	}
	rank := map[Verdict]int{Regressed: 0, Improved: 1, WithinNoise: 2, OnlyOld: 3, OnlyNew: 4}
	slices.SortFunc(out, func(a, b Comparison) int {
		return cmp.Or(
			cmp.Compare(rank[a.Verdict], rank[b.Verdict]),
			cmp.Compare(metricOrder(a.Metric, services[a.Metric]), metricOrder(b.Metric, services[b.Metric])),
			strings.Compare(a.Metric, b.Metric),
			cmp.Compare(slices.Index(chartTools, a.Tool), slices.Index(chartTools, b.Tool)),
			strings.Compare(a.Tool, b.Tool),
		)
	})
	return out
}

// metricOrder places a metric as the report does: the table's rows, the
// floor, then the growth suite by size.
func metricOrder(metric string, services int) int {
	for i, m := range metricRows {
		if m.metric == metric {
			return i
		}
	}
	for i, m := range floorRows {
		if m.metric == metric {
			return 100 + i
		}
	}
	for i, base := range []string{metricGrowthColdUp, metricGrowthNoopUp, metricGrowthColdRSS, metricGrowthNoopRSS} {
		if services > 0 && metric == growthMetric(base, services) {
			return 1000 + services*10 + i
		}
	}
	return 10000
}

// AnyRegressed reports whether any comparison regressed.
func AnyRegressed(cs []Comparison) bool {
	return slices.ContainsFunc(cs, func(c Comparison) bool { return c.Verdict == Regressed })
}

// PrintComparison writes one line per metric and tool, and a count of
// each verdict.
func PrintComparison(w io.Writer, oldName, newName string, cs []Comparison) {
	row := func(cells ...any) {
		line := fmt.Sprintf("%-13s  %-30s  %-8s  %-30s  %-30s  %s", cells...)
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	fmt.Fprintf(w, "OLD %s\nNEW %s\n", oldName, newName)
	fmt.Fprintln(w, "A metric moved when the min-max ranges of the two runs do not overlap; lower is better.")
	fmt.Fprintln(w)
	row("verdict", "metric", "tool", "OLD median (min-max)", "NEW median (min-max)", "median change")
	counts := map[Verdict]int{}
	single := false
	only := map[Verdict][]string{}
	for _, c := range cs {
		counts[c.Verdict]++
		if c.Verdict == OnlyOld || c.Verdict == OnlyNew {
			only[c.Verdict] = append(only[c.Verdict], c.Metric+" ("+c.Tool+")")
			continue
		}
		change := "-"
		if ch := c.Change(); !math.IsNaN(ch) {
			change = fmt.Sprintf("%+.1f%%", ch*100)
		}
		row(c.Verdict, c.Metric, c.Tool, summaryText(c.Old, c.Unit), summaryText(c.New, c.Unit), change)
		if (c.Old.N == 1 || c.New.N == 1) && c.Old.N > 0 && c.New.N > 0 {
			single = true
		}
	}
	for _, v := range []Verdict{OnlyOld, OnlyNew} {
		if len(only[v]) > 0 {
			fmt.Fprintf(w, "%s, not compared: %s\n", v, strings.Join(only[v], ", "))
		}
	}
	fmt.Fprintf(w, "\n%d regressed, %d improved, %d within noise, %d only in OLD, %d only in NEW\n",
		counts[Regressed], counts[Improved], counts[WithinNoise], counts[OnlyOld], counts[OnlyNew])
	if single {
		fmt.Fprintln(w, "Some metrics have a single sample in a run: their range is that sample, so any difference counts as a move. More rounds judge better.")
	}
}

func summaryText(s Summary, unit string) string {
	if s.N == 0 {
		return "-"
	}
	f := func(v float64) string {
		switch unit {
		case unitRequests:
			return fmt.Sprintf("%.0f", v)
		case unitMillis, unitMiB:
			return fmt.Sprintf("%.1f", v)
		}
		return fmt.Sprintf("%.3f", v)
	}
	u := unit
	if u == "" {
		u = unitSeconds
	}
	return fmt.Sprintf("%s %s (%s-%s)", f(s.Median), u, f(s.Min), f(s.Max))
}
