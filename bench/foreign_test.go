package bench

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/stack"
)

const (
	foreignFile = "foreign/compose.yaml"
	builtinFile = "../internal/stack/builtin/compose.yaml"
)

// TestForeignFile checks the premise of the foreign scenario: stackctl loads
// the file as it is, names what it makes as Compose does, every dependency
// gated on health is probed by the engine every 10 s, and the front is
// published on FRONT_PORT on the loopback interface only.
func TestForeignFile(t *testing.T) {
	n, err := namesFor(foreignFile, "bench-fs", foreignEnv(5123))
	if err != nil {
		t.Fatal(err)
	}
	for _, service := range []string{"db", "cache", "migrate", "api", "front"} {
		if got, want := n.Containers[service], "bench-fs-"+service+"-1"; got != want {
			t.Errorf("container of %s = %q, want %q", service, got, want)
		}
	}
	if len(n.Containers) != 5 {
		t.Errorf("containers = %v, want 5 services", n.Containers)
	}
	if !slices.Equal(n.Networks, []string{"bench-fs_default"}) || !slices.Equal(n.Volumes, []string{"bench-fs_db-data"}) {
		t.Errorf("networks %v, volumes %v", n.Networks, n.Volumes)
	}
	if !slices.Equal(n.Images, []string{"nginx:1.22", "postgres:15", "redis:7"}) {
		t.Errorf("images = %v, want only the ones present offline", n.Images)
	}

	st, err := stack.Load(context.Background(), stack.LoadOptions{
		Files: []string{foreignFile}, ProjectName: "bench-fs", Environment: foreignEnv(5123),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	gated := 0
	for _, svc := range st.Services {
		for _, d := range svc.DependsOn {
			if d.Condition != stack.ServiceHealthy {
				continue
			}
			gated++
			dep, _ := st.Service(d.Service)
			if !dep.Healthcheck.Enabled() || dep.Healthcheck.Interval != 10*time.Second {
				t.Errorf("%s waits for %s to be healthy, whose healthcheck is %+v: want one every 10s", svc.Name, d.Service, dep.Healthcheck)
			}
		}
	}
	if gated < 3 {
		t.Errorf("%d dependencies wait for health, want a chain of them", gated)
	}
	front, ok := st.Service("front")
	if !ok || len(front.Ports) != 1 || front.Ports[0].HostPort != 5123 || front.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("front publishes %+v, want FRONT_PORT on 127.0.0.1", front.Ports)
	}

	// A plain Compose file: no extension (x-stackctl or any other) anywhere.
	p := st.Source
	if len(p.Extensions) > 0 {
		t.Errorf("the file has extensions %v", p.Extensions)
	}
	for name, svc := range p.Services {
		if len(svc.Extensions) > 0 {
			t.Errorf("service %s has extensions %v", name, svc.Extensions)
		}
	}
	for name, v := range p.Volumes {
		if len(v.Extensions) > 0 {
			t.Errorf("volume %s has extensions %v", name, v.Extensions)
		}
	}
}

func TestParseSuites(t *testing.T) {
	all, err := ParseSuites("")
	if err != nil || len(all) != len(Suites) {
		t.Fatalf("ParseSuites(\"\") = %v, %v; want every suite", all, err)
	}
	got, err := ParseSuites(" foreign, load ,")
	if err != nil || len(got) != 2 || !got[SuiteForeign] || !got[SuiteLoad] {
		t.Errorf("ParseSuites(foreign, load) = %v, %v", got, err)
	}
	if _, err := ParseSuites("foreign,crash"); err == nil || !strings.Contains(err.Error(), `"crash"`) {
		t.Errorf("an unknown suite: err = %v, want it named", err)
	}
}

func TestInTurnAlternates(t *testing.T) {
	a, b := &Tool{Name: "a"}, &Tool{Name: "b"}
	tools := []*Tool{a, b}
	if got := inTurn(tools, 1); got[0] != a || got[1] != b {
		t.Errorf("round 1: %s first", got[0].Name)
	}
	if got := inTurn(tools, 2); got[0] != b || got[1] != a {
		t.Errorf("round 2: %s first", got[0].Name)
	}
	if tools[0] != a {
		t.Error("inTurn reordered its argument")
	}
}

func TestLoadAndPlanBuiltin(t *testing.T) {
	plan, err := loadAndPlan(context.Background(), stack.LoadOptions{
		Files: []string{builtinFile}, ProjectName: "bench-s", Environment: builtinEnv("..", t.TempDir(), 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"bench-s-db-1", "bench-s-cache-1", "bench-s-migrate-1", "bench-s-web-1"} {
		if len(plan[name]) != 32 {
			t.Errorf("plan[%s] = %q, want a config hash", name, plan[name])
		}
	}
	if len(plan) != 4 {
		t.Errorf("plan = %v, want the four containers of the built-in stack", plan)
	}
}

// TestLoadProbeRoundTrip runs the probe as the child process would and reads
// its output as the runner does.
func TestLoadProbeRoundTrip(t *testing.T) {
	var out bytes.Buffer
	if probe, err := RunLoadProbe(&out); probe || err != nil {
		t.Fatalf("without the probe's environment: probe=%v, err=%v; want neither", probe, err)
	}
	t.Setenv(loadProbeFileEnv, builtinFile)
	t.Setenv(loadProbeProjectEnv, "bench-s")
	t.Setenv("APP_DIR", t.TempDir())
	probe, err := RunLoadProbe(&out)
	if !probe || err != nil {
		t.Fatalf("probe=%v, err=%v", probe, err)
	}
	took, err := parseLoadProbe(out.Bytes())
	if err != nil || took <= 0 {
		t.Errorf("parseLoadProbe(%q) = %s, %v", out.String(), took, err)
	}
}

func TestParseLoadProbe(t *testing.T) {
	took, err := parseLoadProbe([]byte("a warning\n" + loadProbePrefix + "12500000\n"))
	if err != nil || took != 12500*time.Microsecond {
		t.Errorf("= %s, %v; want 12.5ms", took, err)
	}
	for _, out := range []string{"", "nothing here\n", loadProbePrefix + "soon\n", loadProbePrefix + "-3\n"} {
		if _, err := parseLoadProbe([]byte(out)); err == nil {
			t.Errorf("parseLoadProbe(%q): no error", out)
		}
	}
}
