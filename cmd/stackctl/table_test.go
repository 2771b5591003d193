package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// ps marks a one-off container of run as one.
func TestTableMarksOneOffs(t *testing.T) {
	var out strings.Builder
	err := printTable(&out, []backend.ContainerStatus{
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

// Published ports are reached on the engine's host: a remote engine's
// address, not this machine's.
func TestURLsNameTheEnginesHost(t *testing.T) {
	for daemon, want := range map[string]string{
		"unix:///var/run/docker.sock": "localhost",
		"tcp://10.1.2.3:2375":         "10.1.2.3",
		"ssh://me@build-box":          "build-box",
	} {
		containers := []backend.ContainerStatus{{Service: "web", Ports: []stack.Port{
			{HostIP: "0.0.0.0", HostPort: 5000, ContainerPort: 5000, Protocol: "tcp"},
			{HostIP: "127.0.0.1", HostPort: 9000, ContainerPort: 9000, Protocol: "tcp"},
			{HostPort: 53, ContainerPort: 53, Protocol: "udp"},
		}}}
		got := urls(containers, hostOf(daemon))
		if len(got) != 2 || got[0] != "web: http://"+want+":5000/" || got[1] != "web: http://127.0.0.1:9000/" {
			t.Errorf("engine %s: urls %q, want web on %s:5000 and 127.0.0.1:9000, no udp", daemon, got, want)
		}
	}
}

// A port the engine bound on IPv4 and IPv6 (with another host port each,
// as it may for port 0) is shown once, by its IPv4 binding.
func TestURLsShowAPortBoundTwiceOnce(t *testing.T) {
	containers := []backend.ContainerStatus{{Service: "web-edge", Ports: []stack.Port{
		{HostIP: "0.0.0.0", HostPort: 32971, ContainerPort: 80, Protocol: "tcp"},
		{HostIP: "::", HostPort: 32964, ContainerPort: 80, Protocol: "tcp"},
		{HostIP: "::", HostPort: 8443, ContainerPort: 443, Protocol: "tcp"},
	}}}
	got := urls(containers, "localhost")
	want := []string{"web-edge: http://localhost:32971/", "web-edge: http://localhost:8443/"}
	if !slices.Equal(got, want) {
		t.Errorf("urls = %q, want %q", got, want)
	}
}

// A swarm's tasks show their nodes and why they failed; their ports are
// reached at their nodes' addresses.
func TestTableShowsTasksOnTheirNodes(t *testing.T) {
	var out strings.Builder
	tasks := []backend.ContainerStatus{
		{Service: "web", Name: "p_web.1", Node: "worker-1", State: "running", Replica: 1,
			Ports: []stack.Port{{HostIP: "172.17.0.3", HostPort: 30001, ContainerPort: 5000, Protocol: "tcp"}}},
		{Service: "web", Name: "p_web.2", Node: "worker-2", State: "failed", Replica: 2, Error: "task: non-zero exit (1)"},
	}
	if err := printTable(&out, tasks, time.Now()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], "NODE") || !strings.Contains(lines[0], "ERROR") {
		t.Errorf("header %q, want NODE and ERROR columns", lines[0])
	}
	if !strings.Contains(lines[1], "worker-1") || !strings.Contains(lines[2], "worker-2") || !strings.Contains(lines[2], "non-zero exit (1)") {
		t.Errorf("table:\n%s\nwant each task's node, and the failed one's error", out.String())
	}
	if got := urls(tasks, "localhost"); !slices.Equal(got, []string{"web: http://172.17.0.3:30001/"}) {
		t.Errorf("urls = %q, want web at its node's address", got)
	}
}

// ps --services names each service once, in the order ps lists them.
func TestServicesOfNamesEachOnce(t *testing.T) {
	got := servicesOf([]backend.ContainerStatus{{Service: "db"}, {Service: "web"}, {Service: "web"}, {Service: "cache"}})
	if !slices.Equal(got, []string{"db", "web", "cache"}) {
		t.Errorf("servicesOf = %q, want db, web, cache", got)
	}
}
