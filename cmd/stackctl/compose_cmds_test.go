package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend"
)

// Compose's commands that act on a stack's containers by hand, their
// flags parsed with an injected runF, so no engine is needed.

func TestPauseUnpauseFlags(t *testing.T) {
	for _, unpause := range []bool{false, true} {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		var got *pauseOptions
		cmd := newPauseCmd(g, unpause, func(_ context.Context, o *pauseOptions) error { got = o; return nil })
		root := newTestRoot(t, g, cmd)
		root.SetArgs([]string{cmd.Name(), "web", "db"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if got == nil || got.unpause != unpause || !slices.Equal(got.services, []string{"web", "db"}) {
			t.Errorf("%s: options = %+v, want services web, db", cmd.Name(), got)
		}
	}
}

func TestTopFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *topOptions
	root := newTestRoot(t, g, newTopCmd(g, func(_ context.Context, o *topOptions) error { got = o; return nil }))
	root.SetArgs([]string{"top", "web"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !slices.Equal(got.services, []string{"web"}) {
		t.Errorf("options = %+v, want service web", got)
	}
}

// top prints Compose's one table: sorted by container, SERVICE and #
// first, CMD last, - where a container lacks a column.
func TestPrintTopAsCompose(t *testing.T) {
	var out strings.Builder
	err := printTop(&out, []backend.Processes{
		{Service: "web", Replica: 2, Container: "p-web-2", Titles: []string{"UID", "PID", "CMD"}, Rows: [][]string{{"root", "20", "nginx"}}},
		{Service: "web", Replica: 1, Container: "p-web-1", Titles: []string{"UID", "CMD", "C"}, Rows: [][]string{{"root", "nginx", "0"}, {"101", "nginx: worker", "0"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Compose's tabwriter: cells at least 4 wide, 2 apart.
	want := "SERVICE  #   UID   C   PID  CMD\n" +
		"web      1   root  0   -    nginx\n" +
		"web      1   101   0   -    nginx: worker\n" +
		"web      2   root  -   20   nginx\n"
	if out.String() != want {
		t.Errorf("top printed\n%s\nwant\n%s", out.String(), want)
	}
	out.Reset()
	if err := printTop(&out, nil); err != nil || out.Len() != 0 {
		t.Errorf("top of nothing printed %q, %v; want nothing", out.String(), err)
	}
}

func TestPortFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    portOptions
		wantErr string
	}{
		{args: []string{"port", "web", "80"}, want: portOptions{service: "web", port: 80, protocol: "tcp"}},
		{args: []string{"port", "--index", "2", "--protocol", "UDP", "dns", "53"}, want: portOptions{service: "dns", port: 53, protocol: "udp", index: 2}},
		{args: []string{"port", "web", "http"}, wantErr: "port number"},
		{args: []string{"port", "web", "70000"}, wantErr: "port number"},
		{args: []string{"port", "--protocol", "sctp", "web", "80"}, wantErr: "tcp or udp"},
		{args: []string{"port", "--index", "-1", "web", "80"}, wantErr: "--index"},
		{args: []string{"port", "web"}, wantErr: "arg"},
	}
	for _, tt := range tests {
		io, _, _ := testIO()
		g := &globalOptions{io: io}
		var got *portOptions
		root := newTestRoot(t, g, newPortCmd(g, func(_ context.Context, o *portOptions) error { got = o; return nil }))
		root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return checkFlags(cmd) }
		root.SetArgs(tt.args)
		err := root.Execute()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one about %s", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if got.service != tt.want.service || got.port != tt.want.port || got.protocol != tt.want.protocol || got.index != tt.want.index {
			t.Errorf("%q: options %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

func TestRmFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *rmOptions
	root := newTestRoot(t, g, newRmCmd(g, func(_ context.Context, o *rmOptions) error { got = o; return nil }))
	root.SetArgs([]string{"rm", "-fsv", "-a", "web"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.force || !got.stop || !got.volumes || !slices.Equal(got.services, []string{"web"}) {
		t.Errorf("options = %+v, want -f, -s, -v and service web", got)
	}
}

// rm never asks: on a terminal it needs -f, from a script it goes on.
func TestRmConfirm(t *testing.T) {
	for _, tt := range []struct {
		terminal, force, refused bool
	}{{false, false, false}, {true, false, true}, {true, true, false}} {
		io, _, errOut := testIO()
		io.InIsTerminal = tt.terminal
		o := &rmOptions{globalOptions: &globalOptions{io: io}, force: tt.force}
		err := o.confirm([]string{"p-web-1", "p-db-1"})
		if refused := errors.Is(err, errNotConfirmed); refused != tt.refused {
			t.Errorf("terminal %v, -f %v: %v, want refused %v", tt.terminal, tt.force, err, tt.refused)
		}
		if !strings.Contains(errOut.String(), "Going to remove p-web-1, p-db-1") {
			t.Errorf("stderr %q does not say what goes", errOut.String())
		}
	}
}

func TestWaitFlags(t *testing.T) {
	io, _, _ := testIO()
	g := &globalOptions{io: io}
	var got *waitOptions
	root := newTestRoot(t, g, newWaitCmd(g, func(_ context.Context, o *waitOptions) error { got = o; return nil }))
	root.SetArgs([]string{"wait", "--down-project", "migrate", "web"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.downProject || !slices.Equal(got.services, []string{"migrate", "web"}) {
		t.Errorf("options = %+v, want --down-project and services migrate, web", got)
	}
	root.SetArgs([]string{"wait"})
	if err := root.Execute(); err == nil {
		t.Error("wait without a service succeeded; Compose requires one")
	}
}

func TestParseCopy(t *testing.T) {
	for _, tt := range []struct {
		src, dst string
		want     backend.CopyOptions
		wantErr  string
	}{
		{src: "web:/etc/app", dst: "out", want: backend.CopyOptions{Service: "web", Path: "/etc/app", Local: "out"}},
		{src: "./conf", dst: "web:/etc/app", want: backend.CopyOptions{Service: "web", Path: "/etc/app", Local: "./conf", ToInstance: true}},
		{src: "/abs/a:b", dst: "web:/x", want: backend.CopyOptions{Service: "web", Path: "/x", Local: "/abs/a:b", ToInstance: true}},
		{src: "-", dst: "web:/x", want: backend.CopyOptions{Service: "web", Path: "/x", Local: "-", ToInstance: true}},
		{src: "web:/a", dst: "db:/b", wantErr: "between services"},
		{src: "a", dst: "b", wantErr: "SERVICE:PATH"},
	} {
		got, err := parseCopy(tt.src, tt.dst)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("cp %s %s: %v, want %q", tt.src, tt.dst, err, tt.wantErr)
			}
		case err != nil || got != tt.want:
			t.Errorf("cp %s %s = %+v, %v; want %+v", tt.src, tt.dst, got, err, tt.want)
		}
	}
}
