package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
)

// Compose's create, events, stats, attach, pull and push, and up's
// Compose flags, parsed with an injected runF: no engine is needed.

func TestUpTakesComposesFlagsAndRefusesTheAttachedOnes(t *testing.T) {
	parse := func(args ...string) (*upOptions, error) {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		var got *upOptions
		root := newTestRoot(t, g, newUpCmd(g, func(_ context.Context, o *upOptions) error { got = o; return nil }))
		root.SetArgs(append([]string{"up"}, args...))
		return got, root.Execute()
	}
	got, err := parse("--wait-timeout", "90", "-t", "3", "--no-start", "--pull", "missing", "--quiet-pull", "--no-color")
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(got.waitTimeout) != 90*time.Second || time.Duration(got.stopTimeout) != 3*time.Second || !got.noStart {
		t.Errorf("options = %+v, want --wait-timeout 90s, -t 3s and --no-start", got)
	}
	if got, err := parse("--wait-timeout", "1m30s"); err != nil || time.Duration(got.waitTimeout) != 90*time.Second {
		t.Errorf("--wait-timeout 1m30s: %v, %v", got, err)
	}
	for _, tt := range []struct{ args, want string }{
		{"--exit-code-from web", "stackctl wait SERVICE"},
		{"--abort-on-container-exit", "stackctl wait"},
		{"--attach web", "stackctl logs -f"},
		{"--timestamps", "logs -f -t"},
		{"-V", "stackctl rm -sfv"},
		{"--no-build", "build context changed"},
		{"--pull always", "stackctl pull first"},
		{"--pull never", "--pull never"},
		{"--pull sometimes", "want always, missing, never or policy"},
		{"--no-start --force-recreate", "stackctl stop"},
		{"--wait-timeout soon", "want seconds"},
	} {
		if _, err := parse(strings.Fields(tt.args)...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("up %s: %v, want an error saying %q", tt.args, err, tt.want)
		}
	}
}

func TestCreateIsUpWithoutStart(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *upOptions
	root := newTestRoot(t, g, newCreateCmd(g, func(_ context.Context, o *upOptions) error { got = o; return nil }))
	root.SetArgs([]string{"create", "--build", "web"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.noStart || !got.build || !slices.Equal(got.services, []string{"web"}) {
		t.Errorf("options = %+v, want no start, --build, web", got)
	}
	root.SetArgs([]string{"create", "--force-recreate"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "up --force-recreate") {
		t.Errorf("create --force-recreate: %v, want it refused naming up --force-recreate", err)
	}
}

func TestEventsPrintInComposesShape(t *testing.T) {
	e := backend.Event{
		Time: time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC), Service: "web", Container: "abc", Action: "start",
		Attributes: map[string]string{"name": "p-web-1", "image": "nginx"},
	}
	var text, asJSON strings.Builder
	if err := printEvent(&text, e, false); err != nil {
		t.Fatal(err)
	}
	if want := "2026-01-02 03:04:05.600000 container start abc (image=nginx, name=p-web-1)\n"; text.String() != want {
		t.Errorf("text = %q, want %q", text.String(), want)
	}
	if err := printEvent(&asJSON, e, true); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(asJSON.String()), &got); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range got {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(keys, []string{"action", "attributes", "id", "service", "time", "type"}) || got["type"] != "container" ||
		got["time"] != "2026-01-02T03:04:05.6Z" || got["id"] != "abc" {
		t.Errorf("json = %s, want Compose's keys and values", asJSON.String())
	}
}

func TestStatsFormats(t *testing.T) {
	usage := []backend.Usage{{Service: "web", Name: "p-web-1", ID: "0123456789abcdef"}}
	usage[0].CPUPercent, usage[0].PIDs, usage[0].NetRx = 12.345, 7, 1500
	for _, tt := range []struct{ format, want string }{
		{"", "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      BLOCK I/O   PIDS\n0123456789ab   p-web-1   12.35%    0B / 0B             0.00%     1.5kB / 0B   0B / 0B     7\n"},
		{"{{.Name}}: {{.CPUPerc}} {{.PIDs}}", "p-web-1: 12.35% 7\n"},
		{"table {{.Name}}\t{{.PIDs}}", "NAME      PIDS\np-web-1   7\n"},
	} {
		format, err := parseFormat(tt.format)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if err := printStats(&out, usage, format, false); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("--format %q:\n%q\nwant\n%q", tt.format, out.String(), tt.want)
		}
	}
	format, _ := parseFormat("{{.Nope}}")
	if err := printStats(&strings.Builder{}, usage, format, false); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("unknown field: %v, want an error naming it", err)
	}
}

func TestPullPushAttachFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var pulled, pushed *pullOptions
	var attached *attachOptions
	root := newTestRoot(t, g,
		newPullCmd(g, func(_ context.Context, o *pullOptions) error { pulled = o; return nil }),
		newPushCmd(g, func(_ context.Context, o *pullOptions) error { pushed = o; return nil }),
		newAttachCmd(g, func(_ context.Context, o *attachOptions) error { attached = o; return nil }))
	for _, args := range [][]string{
		{"pull", "-q", "--policy", "missing", "--include-deps", "--ignore-pull-failures", "--ignore-buildable", "web"},
		{"push", "--ignore-push-failures", "web"},
		{"attach", "--index", "2", "--no-stdin", "--detach-keys", "ctrl-x", "web"},
	} {
		root.SetArgs(args)
		if err := root.Execute(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if p := pulled.pull; !p.Quiet || !p.Missing || !p.IncludeDeps || !p.IgnoreFailures || !p.IgnoreBuildable || !slices.Equal(p.Services, []string{"web"}) {
		t.Errorf("pull options = %+v", p)
	}
	if p := pushed.push; !p.IgnoreFailures || !slices.Equal(p.Services, []string{"web"}) {
		t.Errorf("push options = %+v", p)
	}
	if attached.index != 2 || !attached.noStdin || attached.detachKeys != "ctrl-x" || attached.service != "web" {
		t.Errorf("attach options = %+v", attached)
	}
	root.SetArgs([]string{"attach", "--sig-proxy", "web"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "stackctl kill -s") {
		t.Errorf("attach --sig-proxy: %v, want it refused naming kill -s", err)
	}
	root.SetArgs([]string{"pull", "--policy", "sometimes"})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "missing or always") {
		t.Errorf("pull --policy sometimes: %v", err)
	}
}

func TestPsKeepsTheAskedStatesAndServicesAndTakesTemplates(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	containers := []backend.ContainerStatus{
		{Service: "web", Name: "p-web-1", ID: "w1", State: "running", Health: "healthy", StartedAt: now.Add(-2 * time.Minute)},
		{Service: "db", Name: "p-db-1", ID: "d1", State: "exited", ExitCode: 3},
	}
	opts := &psOptions{statuses: []string{"exited"}}
	if got := opts.keep(containers); len(got) != 1 || got[0].Name != "p-db-1" {
		t.Errorf("--status exited kept %+v", got)
	}
	opts = &psOptions{onlyServices: []string{"web"}}
	if got := opts.keep(containers); len(got) != 1 || got[0].Name != "p-web-1" {
		t.Errorf("ps web kept %+v", got)
	}
	format, err := parseFormat("table {{.Name}}\t{{.Status}}")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := printSummaries(&out, format, psSummaries("p", containers, now, true)); err != nil {
		t.Fatal(err)
	}
	// Sorted by name, as Compose sorts them; a status the engine gave no
	// text for (a swarm's task) worded as the engine words it.
	want := "NAME      STATUS\np-db-1    Exited (3)\np-web-1   Up 2 minutes (healthy)\n"
	if out.String() != want {
		t.Errorf("ps --format:\n%q\nwant\n%q", out.String(), want)
	}
}
