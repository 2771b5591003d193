package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGrowthCompose checks the growth files' premise for every default
// size: n redis services that stackctl loads as they are, half a chain of
// health-gated dependencies, half fanned off it, every healthcheck
// `redis-cli ping` every 10 s, nothing published on the host and no named
// volume, and Compose's names.
func TestGrowthCompose(t *testing.T) {
	for _, n := range DefaultGrowthSizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "compose.yaml")
			if err := os.WriteFile(file, GrowthCompose(n), 0o644); err != nil {
				t.Fatal(err)
			}
			project := growthProject("bench-gs", n)
			st := resolveForTest(t, []string{file}, project, nil)
			if len(st.Services) != n {
				t.Fatalf("%d services, want %d", len(st.Services), n)
			}
			chain := 0
			for _, name := range st.serviceNames() {
				svc := st.Services[name]
				if svc.Image != growthImage || len(svc.Ports) != 0 {
					t.Errorf("%s: image %q, ports %v; want %s and nothing published", name, svc.Image, svc.Ports, growthImage)
				}
				hc := svc.Healthcheck
				if !st.healthchecked(name) || hc.Interval != "10s" || !slices.Equal(hc.Test, []string{"CMD", "redis-cli", "ping"}) {
					t.Errorf("%s: healthcheck %+v, want redis-cli ping every 10s", name, hc)
				}
				var want string
				var i int
				switch {
				case fmt.Sprintf("chain-%02d", chain+1) == name:
					chain++
					if chain > 1 {
						want = fmt.Sprintf("chain-%02d", chain-1)
					}
				case sscan(name, "fan-%02d", &i):
					want = fmt.Sprintf("chain-%02d", i)
				default:
					t.Fatalf("unexpected service %s (chain so far %d)", name, chain)
				}
				switch {
				case want == "" && len(svc.DependsOn) != 0:
					t.Errorf("%s depends on %+v, want nothing", name, svc.DependsOn)
				case want != "" && (len(svc.DependsOn) != 1 || svc.DependsOn[want].Condition != conditionHealthy):
					t.Errorf("%s depends on %+v, want %s healthy", name, svc.DependsOn, want)
				}
			}
			if chain != (n+1)/2 {
				t.Errorf("chain of %d, want %d", chain, (n+1)/2)
			}
			names, err := namesFor(context.Background(), stackctlBin(t), []string{file}, project, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := names.Containers["chain-01"]; got != project+"-chain-01-1" {
				t.Errorf("container of chain-01 = %q", got)
			}
			if len(names.Healthchecked) != n || len(names.Volumes) != 0 || !slices.Equal(names.Networks, []string{project + "_default"}) {
				t.Errorf("names = %+v", names)
			}
		})
	}
}

func sscan(s, format string, v *int) bool {
	_, err := fmt.Sscanf(s, format, v)
	return err == nil
}

func TestParseGrowthSizes(t *testing.T) {
	got, err := ParseGrowthSizes("")
	if err != nil || !slices.Equal(got, DefaultGrowthSizes) {
		t.Errorf("empty: %v, %v; want the defaults", got, err)
	}
	got, err = ParseGrowthSizes(" 20, 5,5,1 ")
	if err != nil || !slices.Equal(got, []int{1, 5, 20}) {
		t.Errorf("= %v, %v; want [1 5 20]", got, err)
	}
	for _, bad := range []string{"0", "-3", "ten", "101"} {
		if _, err := ParseGrowthSizes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestFitLine(t *testing.T) {
	// Points on y = 2 + 0.5x are fitted exactly.
	f, ok := fitLine([]float64{1, 5, 10, 20, 40}, []float64{2.5, 4.5, 7, 12, 22})
	if !ok || math.Abs(f.Slope-0.5) > 1e-12 || math.Abs(f.Intercept-2) > 1e-12 || f.Points != 5 {
		t.Errorf("fit = %+v, %v; want slope 0.5, intercept 2", f, ok)
	}
	// Noise symmetric around a line leaves the slope.
	f, ok = fitLine([]float64{0, 0, 10, 10}, []float64{1, 3, 21, 23})
	if !ok || math.Abs(f.Slope-2) > 1e-12 || math.Abs(f.Intercept-2) > 1e-12 {
		t.Errorf("fit = %+v, %v; want slope 2, intercept 2", f, ok)
	}
	for _, xs := range [][]float64{nil, {3}, {4, 4}} {
		if _, ok := fitLine(xs, make([]float64, len(xs))); ok {
			t.Errorf("fitLine(%v): ok, want no line", xs)
		}
	}
}

// growthSamples adds one tool's growth samples: cold up a + b*n seconds,
// no-op up and memory as given, each size over three rounds spread by
// +-spread.
func growthSamples(r *Report, tool string, a, b, noop, rss, spread float64) {
	for _, n := range DefaultGrowthSizes {
		for i, d := range []float64{-spread, 0, spread} {
			r.Samples = append(r.Samples,
				Sample{Round: i + 1, Tool: tool, Metric: growthMetric(metricGrowthColdUp, n), Services: n, Value: a + b*float64(n) + d, Unit: unitSeconds},
				Sample{Round: i + 1, Tool: tool, Metric: growthMetric(metricGrowthNoopUp, n), Services: n, Value: noop + d/100, Unit: unitSeconds},
				Sample{Round: i + 1, Tool: tool, Metric: growthMetric(metricGrowthColdRSS, n), Services: n, Value: rss + float64(n)/10 + d, Unit: unitMiB},
				Sample{Round: i + 1, Tool: tool, Metric: growthMetric(metricGrowthNoopRSS, n), Services: n, Value: rss + d, Unit: unitMiB})
		}
	}
}

func growthCheckResults(r *Report) map[string]Check {
	out := map[string]Check{}
	for _, c := range r.Checks {
		if strings.HasPrefix(c.Name, "growth: ") {
			out[strings.Fields(c.Name)[1]] = c
		}
	}
	return out
}

func TestGrowthChecks(t *testing.T) {
	// stackctl: 0.1 s per service, 80 ms no-op, 30 + 4 MiB at 40 services;
	// Compose: 5 s per service.
	r := &Report{}
	growthSamples(r, "stackctl", 0.5, 0.1, 0.08, 30, 0.2)
	growthSamples(r, "compose", 3, 5, 1.2, 50, 0.2)
	r.compute()
	got := growthCheckResults(r)
	for _, name := range []string{"cold", "no-op", "max"} {
		if c := got[name]; !c.Measured || !c.Pass {
			t.Errorf("check %q: %+v, want measured and passed", name, c)
		}
	}
	if d := got["cold"].Detail; !strings.Contains(d, "0.100 vs 5.000 s/service") {
		t.Errorf("slope detail %q", d)
	}
	if d := got["max"].Detail; !strings.Contains(d, "34.0 MiB") {
		t.Errorf("memory detail %q, want the larger of cold and no-op up", d)
	}

	// Half Compose's slope is not enough; 100 ms is not under 100 ms;
	// 38 + 4 MiB is over 40.
	r = &Report{}
	growthSamples(r, "stackctl", 0.5, 2.6, 0.1, 38, 0)
	growthSamples(r, "compose", 3, 5, 1.2, 50, 0)
	r.compute()
	got = growthCheckResults(r)
	for _, name := range []string{"cold", "no-op", "max"} {
		if c := got[name]; !c.Measured || c.Pass {
			t.Errorf("check %q: %+v, want measured and missed", name, c)
		}
	}

	// Without Compose's samples there is no slope to compare with.
	r = &Report{}
	growthSamples(r, "stackctl", 0.5, 0.1, 0.08, 30, 0)
	r.compute()
	if c := growthCheckResults(r)["cold"]; c.Measured || c.Pass {
		t.Errorf("slope without Compose: %+v, want not measured", c)
	}
}

func TestGrowthTable(t *testing.T) {
	r := &Report{}
	growthSamples(r, "stackctl", 0.5, 0.1, 0.08, 30, 0.2)
	growthSamples(r, "compose", 3, 5, 1.2, 50, 0.2)
	r.compute()
	var out strings.Builder
	r.PrintTable(&out)
	for _, want := range []string{
		"growth: N redis:7 services",
		"      40  4.500 s (4.300-4.700)",
		"203.000 s (202.800-203.200)",
		"80 ms (78-82)",
		"34.0/30.0 MiB",
		"stackctl 0.100 s/service (+0.50 s at 0), compose 5.000 s/service (+3.00 s at 0)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "scenario ") {
		t.Errorf("a growth-only run prints the scenario table's header:\n%s", out.String())
	}
}
