package bench

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// swarmReport is a swarm comparison of the built-in stack over three
// rounds: stackctl gates web on db and migrate, stack deploy does not.
func swarmReport() *Report {
	r := &Report{Started: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Rounds: 3, Tools: map[string]ToolInfo{
		toolStackctl: {Version: "built from this checkout"}, toolStackDeploy: {Version: "docker 28.2.2"},
	}, Swarm: &SwarmReport{
		Registry: "127.0.0.1:5001",
		Nodes:    []SwarmNodeInfo{{Name: "host", Role: "manager", Addr: "127.0.0.1"}, {Name: "w1", Role: "worker", Addr: "172.17.0.3"}},
		Stacks: []SwarmStackInfo{{Key: "builtin", Title: "the built-in stack", File: "internal/stack/builtin/compose.yaml",
			Projects: map[string]string{toolStackctl: "bench-sw-s", toolStackDeploy: "bench-sw-d"},
			Ports:    map[string]int{toolStackctl: 40001, toolStackDeploy: 40002},
			Variant:  []string{"services.*.deploy.endpoint_mode: dnsrr"}, Ignored: []string{"Ignoring unsupported options: build"}}},
	}}
	add := func(tool, base, unit string, values ...float64) {
		for i, v := range values {
			r.Samples = append(r.Samples, Sample{Round: i + 1, Tool: tool, Metric: swarmMetric("builtin", base), Value: v, Unit: unit})
		}
	}
	add(toolStackctl, swarmFirst200, unitSeconds, 20, 21, 22)
	add(toolStackDeploy, swarmFirst200, unitSeconds, 30, 40, 50)
	add(toolStackctl, swarmUpdateFailed, unitRequests, 0, 0, 0)
	add(toolStackDeploy, swarmUpdateFailed, unitRequests, 0, 2, 0)
	for round := 1; round <= 3; round++ {
		r.Swarm.Order = append(r.Swarm.Order,
			SwarmOrder{Round: round, Tool: toolStackctl, Stack: "builtin", WebCreated: 15, Deps: []SwarmDepReady{
				{Service: "db", Condition: "service_healthy", Ready: true, ReadyAt: 10},
				{Service: "migrate", Condition: "service_completed_successfully", Ready: true, ReadyAt: 14}}},
			SwarmOrder{Round: round, Tool: toolStackDeploy, Stack: "builtin", WebCreated: 1, Deps: []SwarmDepReady{
				{Service: "db", Condition: "service_healthy", Ready: true, ReadyAt: 9, WebFirst: true},
				{Service: "migrate", Condition: "service_completed_successfully", WebFirst: true}}})
	}
	for round := 1; round <= 3; round++ {
		r.Swarm.Leftovers = append(r.Swarm.Leftovers, SwarmLeftover{Round: round, Tool: toolStackDeploy, Stack: "builtin", What: "volume bench-sw-d_postgres_data on host"})
	}
	r.compute()
	return r
}

func TestSwarmReportTable(t *testing.T) {
	r := swarmReport()
	if len(r.Checks) != 0 {
		t.Errorf("a swarm comparison judges the single-engine targets: %+v", r.Checks)
	}
	if got := r.Ratios[swarmMetric("builtin", swarmFirst200)]; got != 21.0/40 {
		t.Errorf("ratio of the first 200 = %v, want stackctl's median over stack deploy's", got)
	}
	var out bytes.Buffer
	r.PrintTable(&out)
	table := out.String()
	for _, want := range []string{
		"stackctl --swarm against docker stack deploy: 3 rounds",
		"deploy -> first 200 on web's port (any node)",
		"20.000 / 21.000 / 22.000 s", "30.000 / 40.000 / 50.000 s", "0.53x",
		"0 / 0 / 2", // min / median / max of 0, 2, 0
		"web's first task made before db was healthy", "no in 0 of 3, 5.0s after", "yes in 3 of 3, 8.0s before",
		"web's first task made before migrate was complete", "yes in 3 of 3\n",
		"services.*.deploy.endpoint_mode: dnsrr", "stack deploy said: Ignoring unsupported options: build",
		"docker stack deploy, builtin: volume bench-sw-d_postgres_data on host (round 1, 2, 3)",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "MISS") {
		t.Errorf("the table judges targets:\n%s", table)
	}
}

func TestSwarmCharts(t *testing.T) {
	r := swarmReport()
	var files []string
	for _, c := range r.swarmCharts() {
		files = append(files, c.file)
	}
	if !slices.Equal(files, []string{chartSwarmTimes, chartSwarmFailed}) {
		t.Errorf("charts = %v, want the times and, as a request failed, the failed requests", files)
	}
	written, err := r.WriteCharts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range written {
		names = append(names, filepath.Base(p))
	}
	if !slices.Equal(names, files) {
		t.Errorf("WriteCharts wrote %v, want %v", names, files)
	}
}
