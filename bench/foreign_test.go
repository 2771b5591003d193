package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
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
	n, err := namesFor(context.Background(), stackctlBin(t), []string{foreignFile}, "bench-fs", foreignEnv(5123))
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

	st := resolveForTest(t, []string{foreignFile}, "bench-fs", foreignEnv(5123))
	gated := 0
	for _, name := range st.serviceNames() {
		for dep, d := range st.Services[name].DependsOn {
			if d.Condition != conditionHealthy {
				continue
			}
			gated++
			if hc := st.Services[dep].Healthcheck; !st.healthchecked(dep) || hc.Interval != "10s" {
				t.Errorf("%s waits for %s to be healthy, whose healthcheck is %+v: want one every 10s", name, dep, hc)
			}
		}
	}
	if gated < 3 {
		t.Errorf("%d dependencies wait for health, want a chain of them", gated)
	}
	front := st.Services["front"].Ports
	if len(front) != 1 || front[0].Published != "5123" || front[0].HostIP != "127.0.0.1" {
		t.Errorf("front publishes %+v, want FRONT_PORT on 127.0.0.1", front)
	}

	// A plain Compose file: no extension (x-stackctl or any other) anywhere.
	out, err := configJSON(context.Background(), stackctlBin(t), []string{foreignFile}, "bench-fs", foreignEnv(5123))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := json.Unmarshal(out, &tree); err != nil {
		t.Fatal(err)
	}
	for _, where := range extensionKeys("", tree) {
		t.Errorf("the file has an extension at %s", where)
	}
}

// extensionKeys are the paths of the x- keys in tree, a compose project's
// JSON.
func extensionKeys(at string, tree any) []string {
	var out []string
	switch v := tree.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if strings.HasPrefix(k, "x-") {
				out = append(out, at+"."+k)
			}
			out = append(out, extensionKeys(at+"."+k, v[k])...)
		}
	case []any:
		for i, item := range v {
			out = append(out, extensionKeys(fmt.Sprintf("%s[%d]", at, i), item)...)
		}
	}
	return out
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
