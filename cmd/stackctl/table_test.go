package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/orchestrator"
)

// ps marks a one-off container of run as one.
func TestTableMarksOneOffs(t *testing.T) {
	var out strings.Builder
	err := printTable(&out, []orchestrator.ContainerStatus{
		{Service: "web", Name: "p-web-1", State: "running", Replica: 1},
		{Service: "web", Name: "p-web-run-0a1b2c", State: "exited", OneOff: true},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[1], "web  ") || !strings.HasPrefix(lines[2], "web (one-off)  ") {
		t.Errorf("table:\n%s\nwant web's replica as web, its one-off as web (one-off)", out.String())
	}
}
