package bench

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// fullReport has every scenario for the tools that run it, the floor, and
// the growth suite.
func fullReport() *Report {
	r := &Report{Started: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Rounds: 3,
		Machine: &Machine{CPUs: 2, MemoryGiB: 23.4, LoadStart: [3]float64{3.5, 4, 4}, LoadEnd: [3]float64{4.5, 4, 4}}}
	add := func(tool, metric, unit string, values ...float64) {
		for i, v := range values {
			r.Samples = append(r.Samples, Sample{Round: i + 1, Tool: tool, Metric: metric, Value: v, Unit: unit})
		}
	}
	for _, tool := range []string{"stackctl", "compose"} {
		f := 1.0
		if tool == "compose" {
			f = 3
		}
		add(tool, metricColdUp, unitSeconds, 2*f, 2.1*f, 2.3*f)
		add(tool, metricFirstUp, unitSeconds, 4*f, 4.2*f, 4.3*f)
		add(tool, metricNoopUp, unitSeconds, 0.2*f, 0.25*f, 0.3*f)
		add(tool, metricCrash, unitSeconds, 2.5*f, 2.6*f, 2.9*f)
		add(tool, metricRedeploy, unitSeconds, 20*f, 21*f, 25*f)
		add(tool, metricRedeployFailed, unitRequests, 10*f, 12*f, 15*f)
		add(tool, metricForeignUp, unitSeconds, 4*f, 4.4*f, 4.5*f)
	}
	add("stackctl", metricEdgeRedeployFailed, unitRequests, 0, 0, 0)
	add("stackctl", metricLoadPlan, unitMillis, 11, 12, 14)
	add(floorTool, metricFloorTCP, unitSeconds, 1.1, 1.2, 1.3)
	growthSamples(r, "stackctl", 0.5, 0.1, 0.08, 30, 0.2)
	growthSamples(r, "compose", 3, 5, 1.2, 50, 0.2)
	r.compute()
	return r
}

func TestScenarioChartsByRange(t *testing.T) {
	got := map[string][]string{}
	for _, c := range fullReport().scenarioCharts() {
		got[c.file] = c.metrics
	}
	want := map[string][]string{
		// By the slower tool's median: no-op up 0.75 s, cold up 6.3 s,
		// first up 12.6 s, ...
		chartScenariosUnder1s:  {metricNoopUp},
		chartScenarios1To10s:   {metricColdUp, metricCrash, metricFloorTCP},
		chartScenariosOver10s:  {metricFirstUp, metricRedeploy, metricForeignUp},
		chartScenariosMillis:   {metricLoadPlan},
		chartScenariosRequests: {metricRedeployFailed, metricEdgeRedeployFailed},
	}
	for file, metrics := range want {
		if !slices.Equal(got[file], metrics) {
			t.Errorf("%s: %v, want %v", file, got[file], metrics)
		}
	}
	if len(got) != len(want) {
		t.Errorf("charts %v, want %v", got, want)
	}
	// A chart of failed requests where none failed draws nothing.
	r := &Report{Samples: []Sample{{Tool: "stackctl", Metric: metricEdgeRedeployFailed, Value: 0, Unit: unitRequests}}}
	r.compute()
	if cs := r.scenarioCharts(); len(cs) != 0 {
		t.Errorf("charts of zero failures: %+v", cs)
	}
}

func TestWriteCharts(t *testing.T) {
	dir := t.TempDir()
	written, err := fullReport().WriteCharts(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, path := range written {
		files = append(files, filepath.Base(path))
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 400 {
			t.Errorf("%s is %dx%d pixels, want a readable size", path, b.Dx(), b.Dy())
		}
	}
	slices.Sort(files)
	want := chartNames()
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("wrote %v, want %v", files, want)
	}

	// A report without the growth suite leaves the growth charts of an
	// earlier run alone.
	marker := []byte("an earlier run's chart")
	growthChart := filepath.Join(dir, chartGrowthColdUp)
	if err := os.WriteFile(growthChart, marker, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Report{Samples: []Sample{{Round: 1, Tool: "stackctl", Metric: metricColdUp, Value: 2, Unit: unitSeconds}}}
	r.compute()
	written, err = r.WriteCharts(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 1 || filepath.Base(written[0]) != chartScenarios1To10s {
		t.Errorf("wrote %v, want only the 1-10 s chart", written)
	}
	if data, _ := os.ReadFile(growthChart); string(data) != string(marker) {
		t.Error("the growth chart of an earlier run was overwritten")
	}
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		step   float64
	}{
		{0, 290, 50}, {0, 1.35, 0.2}, {0, 1.9, 0.25}, {0, 120, 20}, {0, 7.2, 1}, {0, 0.05, 0.01}, {0, 4000, 500},
	} {
		var labelled []float64
		for _, tick := range niceTicks(c.lo, c.hi) {
			if tick.Label == "" {
				continue
			}
			labelled = append(labelled, tick.Value)
			if v, err := strconv.ParseFloat(tick.Label, 64); err != nil || math.Abs(v-tick.Value) > c.step/1000 {
				t.Errorf("[%v, %v]: tick %v labelled %q", c.lo, c.hi, tick.Value, tick.Label)
			}
		}
		if n := len(labelled); n < 4 || n > 9 {
			t.Errorf("[%v, %v]: %d labelled ticks %v, want 4 to 9", c.lo, c.hi, n, labelled)
			continue
		}
		if step := labelled[1] - labelled[0]; math.Abs(step-c.step) > c.step/1000 {
			t.Errorf("[%v, %v]: step %v, want %v", c.lo, c.hi, step, c.step)
		}
		if labelled[0] != c.lo || labelled[len(labelled)-1] > c.hi {
			t.Errorf("[%v, %v]: ticks %v", c.lo, c.hi, labelled)
		}
	}
}
