package main

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// These tests run each command with an injected runF that captures the
// options it would run with, so no engine is needed.

func TestUpFlags(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  upOptions
		load  stack.LoadOptions
		scale []string
	}{
		{
			name: "defaults",
			args: []string{"up"},
			want: upOptions{waitTimeout: secondsValue(backend.DefaultWaitTimeout)},
		},
		{
			name: "all set",
			args: []string{"-f", "a.yaml", "--file", "b.yaml", "--env-file", "x.env", "--profile", "debug", "--project-directory", "dir",
				"up", "--build", "--wait-timeout", "30s", "--no-wait", "-p", "foo", "--scale", "web=3", "--scale", "worker=0"},
			want: upOptions{build: true, waitTimeout: secondsValue(30 * time.Second), noWait: true},
			load: stack.LoadOptions{Files: []string{"a.yaml", "b.yaml"}, EnvFiles: []string{"x.env"}, Profiles: []string{"debug"},
				WorkingDir: "dir", ProjectName: "foo"},
			scale: []string{"web=3", "worker=0"},
		},
		{
			name: "Compose's -d and --wait",
			args: []string{"up", "-d", "--wait"},
			want: upOptions{waitTimeout: secondsValue(backend.DefaultWaitTimeout)},
		},
		{
			name: "rollout, edge and orphans",
			args: []string{"up", "--edge", "--batch-size", "2", "--min-ready", "5s", "--remove-orphans"},
			want: upOptions{waitTimeout: secondsValue(backend.DefaultWaitTimeout), batchSize: 2, minReady: 5 * time.Second, removeOrphans: true,
				globalOptions: &globalOptions{edge: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _ := testIO()
			g := &globalOptions{io: io}
			var got *upOptions
			root := newTestRoot(t, g, newUpCmd(g, func(_ context.Context, o *upOptions) error { got = o; return nil }))
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatalf("%v: %v", tt.args, err)
			}
			if got == nil {
				t.Fatal("up did not run")
			}
			if got.build != tt.want.build || got.waitTimeout != tt.want.waitTimeout || got.noWait != tt.want.noWait {
				t.Errorf("build %v, wait-timeout %s, no-wait %v; want %v, %s, %v",
					got.build, got.waitTimeout, got.noWait, tt.want.build, tt.want.waitTimeout, tt.want.noWait)
			}
			if got.batchSize != tt.want.batchSize || got.minReady != tt.want.minReady || got.removeOrphans != tt.want.removeOrphans {
				t.Errorf("batch-size %d, min-ready %s, remove-orphans %v; want %d, %s, %v",
					got.batchSize, got.minReady, got.removeOrphans, tt.want.batchSize, tt.want.minReady, tt.want.removeOrphans)
			}
			if wantEdge := tt.want.globalOptions != nil && tt.want.edge; got.edge != wantEdge {
				t.Errorf("edge %v, want %v", got.edge, wantEdge)
			}
			if !reflect.DeepEqual(got.load, tt.load) {
				t.Errorf("load options = %+v, want %+v", got.load, tt.load)
			}
			if !slices.Equal(got.scale, tt.scale) {
				t.Errorf("scale = %q, want %q", got.scale, tt.scale)
			}
		})
	}
}

// scale SERVICE=N... is up with those scales, and the rollout flags.
func TestScaleFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *upOptions
	root := newTestRoot(t, g, newScaleCmd(g, func(_ context.Context, o *upOptions) error { got = o; return nil }))
	root.SetArgs([]string{"scale", "web=3", "worker=0", "--edge", "--batch-size", "2", "--min-ready", "5s"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("scale did not run")
	}
	if !slices.Equal(got.scale, []string{"web=3", "worker=0"}) || !got.edge || got.batchSize != 2 || got.minReady != 5*time.Second ||
		got.waitTimeout != secondsValue(backend.DefaultWaitTimeout) {
		t.Errorf("scale %q, edge %v, batch-size %d, min-ready %s, wait-timeout %s; want [web=3 worker=0], true, 2, 5s, %s",
			got.scale, got.edge, got.batchSize, got.minReady, got.waitTimeout, backend.DefaultWaitTimeout)
	}

	root = newTestRoot(t, g, newScaleCmd(g, func(context.Context, *upOptions) error { t.Error("scale ran without a SERVICE=N"); return nil }))
	root.SetArgs([]string{"scale"})
	if err := root.Execute(); err == nil {
		t.Error("scale without a SERVICE=N succeeded")
	}
}

func TestDownFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *downOptions
	root := newTestRoot(t, g, newDownCmd(g, func(_ context.Context, o *downOptions) error { got = o; return nil }))
	root.SetArgs([]string{"down", "-v", "--timeout", "5s"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.volumes || got.timeout != 5*time.Second {
		t.Errorf("down options = %+v, want volumes and a 5s timeout", got)
	}
	got = nil
	root.SetArgs([]string{"down", "-t", "3s", "--remove-orphans"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.timeout != 3*time.Second || !got.removeOrphans {
		t.Errorf("down options = %+v, want Compose's -t 3s and --remove-orphans", got)
	}
}

func TestPsFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    string // the format ps runs with; "" when it must not run
		wantErr string
	}{
		{args: []string{"ps"}, want: "table"},
		{args: []string{"ps", "--format", "json"}, want: "json"},
		{args: []string{"ps", "--format", "{{.Name"}, wantErr: `--format "{{.Name": want table, json or a Go template`},
		{args: []string{"ps", "--format", "table {{.Name}}"}, want: "table {{.Name}}"},
		{args: []string{"ps", "--status", "running", "--filter", "status=exited"}, want: "table"},
		{args: []string{"ps", "--status", "sleeping"}, wantErr: `--status "sleeping": want one of paused`},
		{args: []string{"ps", "--filter", "name=web"}, wantErr: `want status=STATUS`},
		{args: []string{"ps", "-a", "-q"}, want: "table"},
		{args: []string{"ps", "-q", "--services"}, wantErr: "none of the others can be"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			io, _, _ := testIO()
			g := &globalOptions{io: io}
			ran := ""
			root := newTestRoot(t, g, newPsCmd(g, func(_ context.Context, o *psOptions) error { ran = o.format; return nil }))
			root.SetArgs(tt.args)
			err := root.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if ran != tt.want {
				t.Errorf("ps ran with format %q, want %q", ran, tt.want)
			}
		})
	}
}

func TestLogsFlags(t *testing.T) {
	tests := []struct {
		args     []string
		follow   bool
		tail     int
		services []string
	}{
		{[]string{"logs"}, false, -1, nil},
		{[]string{"logs", "-f", "--tail", "5", "web", "db"}, true, 5, []string{"web", "db"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			io, _, _ := testIO()
			g := &globalOptions{io: io}
			var got *logsOptions
			root := newTestRoot(t, g, newLogsCmd(g, func(_ context.Context, o *logsOptions) error { got = o; return nil }))
			root.SetArgs(tt.args)
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("logs did not run")
			}
			if got.follow != tt.follow || got.tail != tt.tail || !slices.Equal(got.services, tt.services) {
				t.Errorf("follow %v, tail %d, services %v; want %v, %d, %v",
					got.follow, got.tail, got.services, tt.follow, tt.tail, tt.services)
			}
		})
	}
}

// Compose's logs flags reach the options.
func TestLogsComposeFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *logsOptions
	root := newTestRoot(t, g, newLogsCmd(g, func(_ context.Context, o *logsOptions) error { got = o; return nil }))
	root.SetArgs([]string{"logs", "-t", "--since", "1m", "--until", "2026-01-02", "--no-log-prefix", "--index", "2", "-n", "3", "web"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.timestamps || got.since != "1m" || got.until != "2026-01-02" || !got.noPrefix || got.index != 2 || got.tail != 3 {
		t.Errorf("logs options = %+v", got)
	}
}

func TestParseLogTime(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for value, want := range map[string]time.Time{
		"":                     {},
		"90s":                  now.Add(-90 * time.Second),
		"2026-12-07T11:00:00Z": time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC),
		"1765108800":           time.Unix(1765108800, 0),
		"1765108800.5":         time.Unix(1765108800, 5e8),
	} {
		got, err := parseLogTime("--since", value, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseLogTime(%q) = %s, %v; want %s", value, got, err, want)
		}
	}
	if _, err := parseLogTime("--since", "yesterday", now); err == nil || !strings.Contains(err.Error(), `--since "yesterday"`) {
		t.Errorf("a bad --since: %v, want it named", err)
	}
}

// up SERVICE... with Compose's selection and recreate flags.
func TestUpServicesAndRecreateFlags(t *testing.T) {
	run := func(args ...string) (*upOptions, error) {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		var got *upOptions
		root := newTestRoot(t, g, newUpCmd(g, func(_ context.Context, o *upOptions) error { got = o; return nil }))
		root.SetArgs(args)
		return got, root.Execute()
	}
	got, err := run("up", "--no-deps", "--force-recreate", "web", "cache")
	if err != nil || got == nil || !slices.Equal(got.services, []string{"web", "cache"}) || !got.noDeps ||
		recreatePolicy(got.forceRecreate, got.noRecreate) != backend.RecreateForce {
		t.Errorf("up --no-deps --force-recreate web cache = %+v, %v", got, err)
	}
	if got, err := run("up", "--no-recreate"); err != nil || recreatePolicy(got.forceRecreate, got.noRecreate) != backend.RecreateNever {
		t.Errorf("up --no-recreate = %+v, %v", got, err)
	}
	if _, err := run("up", "--force-recreate", "--no-recreate"); err == nil {
		t.Error("--force-recreate with --no-recreate was accepted")
	}
}
