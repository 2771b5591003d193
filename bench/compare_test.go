package bench

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	s := func(min, median, max float64) Summary { return Summary{N: 3, Min: min, Median: median, Max: max} }
	cases := []struct {
		name     string
		old, new Summary
		want     Verdict
	}{
		{"every new sample above every old one", s(1, 1.1, 1.2), s(1.3, 1.4, 1.5), Regressed},
		{"every new sample below every old one", s(1.3, 1.4, 1.5), s(1, 1.1, 1.2), Improved},
		{"median up, ranges overlap", s(1, 1.1, 1.4), s(1.3, 1.5, 1.6), WithinNoise},
		{"median down, ranges overlap", s(1.3, 1.5, 1.6), s(1, 1.1, 1.4), WithinNoise},
		{"new min equal to old max", s(1, 1.1, 1.2), s(1.2, 1.3, 1.4), WithinNoise},
		{"new max equal to old min", s(1.2, 1.3, 1.4), s(1, 1.1, 1.2), WithinNoise},
		{"new range inside a wide old one", s(0.5, 1, 3), s(0.9, 1.5, 2), WithinNoise},
		{"same", s(1, 1.1, 1.2), s(1, 1.1, 1.2), WithinNoise},
		{"one sample each, higher", s(1, 1, 1), s(1.01, 1.01, 1.01), Regressed},
		{"not in new", s(1, 1, 1), Summary{}, OnlyOld},
		{"not in old", Summary{}, s(1, 1, 1), OnlyNew},
	}
	for _, c := range cases {
		if got := Judge(c.old, c.new); got != c.want {
			t.Errorf("%s: Judge(%+v, %+v) = %s, want %s", c.name, c.old, c.new, got, c.want)
		}
	}
}

// reportOf makes a report of samples given as metric, tool, values.
func reportOf(samples map[[2]string][]float64) *Report {
	r := &Report{}
	for key, values := range samples {
		for i, v := range values {
			r.Samples = append(r.Samples, Sample{Round: i + 1, Metric: key[0], Tool: key[1], Value: v, Unit: unitSeconds})
		}
	}
	r.compute()
	return r
}

func TestCompare(t *testing.T) {
	old := reportOf(map[[2]string][]float64{
		{metricColdUp, "stackctl"}: {2.0, 2.1, 2.2},
		{metricColdUp, "compose"}:  {6.0, 6.5, 7.0},
		{metricNoopUp, "stackctl"}: {0.20, 0.25, 0.30},
		{metricDown, "stackctl"}:   {1.0, 1.1, 1.2},
	})
	cur := reportOf(map[[2]string][]float64{
		{metricColdUp, "stackctl"}:   {2.3, 2.4, 2.5}, // regressed
		{metricColdUp, "compose"}:    {5.9, 6.6, 7.1}, // within noise
		{metricNoopUp, "stackctl"}:   {0.10, 0.12, 0.15},
		{metricForeignUp, "compose"}: {20},
	})
	cs := Compare(old, cur)
	got := map[[2]string]Verdict{}
	for _, c := range cs {
		got[[2]string{c.Metric, c.Tool}] = c.Verdict
	}
	want := map[[2]string]Verdict{
		{metricColdUp, "stackctl"}:   Regressed,
		{metricColdUp, "compose"}:    WithinNoise,
		{metricNoopUp, "stackctl"}:   Improved,
		{metricDown, "stackctl"}:     OnlyOld,
		{metricForeignUp, "compose"}: OnlyNew,
	}
	if len(got) != len(want) {
		t.Fatalf("comparisons %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%v: %s, want %s", k, got[k], v)
		}
	}
	// Regressions first, then improvements, noise, and what one run lacks.
	order := []Verdict{Regressed, Improved, WithinNoise, OnlyOld, OnlyNew}
	for i, c := range cs {
		if c.Verdict != order[i] {
			t.Errorf("comparison %d is %s, want %s", i, c.Verdict, order[i])
		}
	}
	if !AnyRegressed(cs) {
		t.Error("AnyRegressed = false")
	}
	if ch := cs[0].Change(); ch < 0.142 || ch > 0.143 {
		t.Errorf("change of the cold up's median = %v, want +14.3%% (2.1 -> 2.4)", ch)
	}
	var out strings.Builder
	PrintComparison(&out, "a.json", "b.json", cs)
	for _, s := range []string{
		"regressed      cold-up", "2.100 s (2.000-2.200)", "2.400 s (2.300-2.500)", "+14.3%",
		"improved       noop-up", "only in OLD, not compared: down (stackctl)",
		"1 regressed, 1 improved, 1 within noise, 1 only in OLD, 1 only in NEW",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if strings.Contains(out.String(), "single sample") {
		t.Errorf("no compared metric has a single sample, but the output says so:\n%s", out.String())
	}

	// Without a regression the comparison passes, and single samples are
	// pointed out.
	cs = Compare(old, reportOf(map[[2]string][]float64{{metricColdUp, "stackctl"}: {2.1}}))
	if AnyRegressed(cs) {
		t.Errorf("regressed: %+v", cs)
	}
	out.Reset()
	PrintComparison(&out, "a.json", "b.json", cs)
	if !strings.Contains(out.String(), "single sample") {
		t.Errorf("output does not point out the single sample:\n%s", out.String())
	}
}

// The growth suite's metrics are compared like the others, in order of
// size.
func TestCompareGrowth(t *testing.T) {
	old, cur := &Report{}, &Report{}
	growthSamples(old, "stackctl", 0.5, 0.1, 0.08, 30, 0.1)
	growthSamples(cur, "stackctl", 0.5, 0.1, 0.08, 30, 0.1)
	// 40 services: the no-op up doubled.
	for i := range cur.Samples {
		if cur.Samples[i].Metric == growthMetric(metricGrowthNoopUp, 40) {
			cur.Samples[i].Value *= 2
		}
	}
	old.compute()
	cur.compute()
	cs := Compare(old, cur)
	if cs[0].Metric != growthMetric(metricGrowthNoopUp, 40) || cs[0].Verdict != Regressed {
		t.Errorf("first comparison %+v, want the no-op up at 40 services regressed", cs[0])
	}
	var sizes []string
	for _, c := range cs[1:] {
		if c.Verdict != WithinNoise {
			t.Errorf("%s: %s, want within noise", c.Metric, c.Verdict)
		}
		if strings.HasPrefix(c.Metric, metricGrowthColdUp+"-") && !strings.HasPrefix(c.Metric, metricGrowthColdRSS) {
			sizes = append(sizes, strings.TrimPrefix(c.Metric, metricGrowthColdUp+"-"))
		}
	}
	if got := strings.Join(sizes, ","); got != "1,5,10,20,40" {
		t.Errorf("cold up compared in the order %s, want by size", got)
	}
}

func TestReadReportRecomputes(t *testing.T) {
	r := reportOf(map[[2]string][]float64{
		{metricColdUp, "stackctl"}: {2.0, 2.1, 2.2},
		{metricColdUp, "compose"}:  {6.0, 6.5, 7.0},
	})
	r.Summaries = nil // as a file written without them would be
	path := filepath.Join(t.TempDir(), "r.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := got.summary(metricColdUp, "compose"); !ok || s.Median != 6.5 {
		t.Errorf("compose cold up = %+v, %v", s, ok)
	}
	if ratio := got.Ratios[metricColdUp]; ratio < 0.32 || ratio > 0.33 {
		t.Errorf("ratio %v, want 2.1/6.5", ratio)
	}
	if _, err := ReadReport(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing file: no error")
	}
}
