package main

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
)

func TestLsFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    backend.ListOptions
		wantErr string
	}{
		{args: []string{"ls"}, want: backend.ListOptions{}},
		{args: []string{"ls", "-a", "--filter", "name=web", "--filter", "name=^db"}, want: backend.ListOptions{All: true, Names: []string{"web", "^db"}}},
		{args: []string{"ls", "--filter", "status=running"}, wantErr: "invalid filter 'status'"},
		{args: []string{"ls", "--filter", "web"}, wantErr: "expected name=value"},
		{args: []string{"ls", "--format", "{{.Name"}, wantErr: `--format "{{.Name": want table, json or a Go template`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			io, _, _ := testIO()
			g := &globalOptions{io: io}
			var ran *backend.ListOptions
			root := newTestRoot(t, g, newLsCmd(g, func(_ context.Context, _ *lsOptions, o backend.ListOptions) error { ran = &o; return nil }))
			root.SetArgs(tt.args)
			err := root.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ran != nil {
					t.Errorf("error = %v (ran: %v), want %q", err, ran != nil, tt.wantErr)
				}
				return
			}
			if err != nil || ran == nil || !reflect.DeepEqual(*ran, tt.want) {
				t.Errorf("ls ran with %+v, %v; want %+v", ran, err, tt.want)
			}
		})
	}
}

// The outputs are docker compose ls's, byte for byte.
func TestLsPrintsAsCompose(t *testing.T) {
	projects := []backend.ProjectSummary{
		{Name: "shop", Status: "exited(1), running(2)", ConfigFiles: "/src/shop/compose.yaml"},
		{Name: "stackctl", Status: "running(4)", ConfigFiles: "(built-in stack)"},
	}
	tests := []struct {
		opts lsOptions
		list []backend.ProjectSummary
		want string
	}{
		{lsOptions{format: "table"}, projects, "" +
			"NAME                STATUS                  CONFIG FILES\n" +
			"shop                exited(1), running(2)   /src/shop/compose.yaml\n" +
			"stackctl            running(4)              (built-in stack)\n"},
		{lsOptions{format: "json"}, projects, `[{"Name":"shop","Status":"exited(1), running(2)","ConfigFiles":"/src/shop/compose.yaml"},` +
			`{"Name":"stackctl","Status":"running(4)","ConfigFiles":"(built-in stack)"}]` + "\n"},
		{lsOptions{format: "json"}, nil, "[]\n"},
		{lsOptions{format: "table", quiet: true}, projects, "shop\nstackctl\n"},
		{lsOptions{format: "{{.Name}}: {{.Status}}"}, projects, "shop: exited(1), running(2)\nstackctl: running(4)\n"},
	}
	for _, tt := range tests {
		io, out, _ := testIO()
		tt.opts.globalOptions = &globalOptions{io: io}
		if err := printProjects(&tt.opts, tt.list); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("ls %+v printed\n%s\nwant\n%s", tt.opts, out.String(), tt.want)
		}
	}
}
