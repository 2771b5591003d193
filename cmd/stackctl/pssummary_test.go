package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/stack"
)

// TestPsJSONIsComposesLines renders containers as `docker compose ps
// --format json` (v5.6.0) printed the same containers on the engine: one
// object a line, Compose's keys in its order and its value types, sorted
// by name. The expected lines are Compose's output, labels cut to two.
func TestPsJSONIsComposesLines(t *testing.T) {
	local := time.Local
	time.Local = time.UTC // CreatedAt is in the local zone, as Compose's
	t.Cleanup(func() { time.Local = local })
	created := time.Date(2026, 12, 7, 16, 11, 51, 0, time.UTC)
	now := created.Add(6 * time.Second)
	containers := []backend.ContainerStatus{
		{
			Service: "web", Name: "psjcmp-web-1", ID: "6a57e8387ef9" + strings.Repeat("0", 52), State: "running", Health: "healthy",
			Image: "python:3.11-slim", Command: "python -m http.server 8000", Created: created, StatusText: "Up 4 seconds (healthy)",
			Names:  []string{"/psjcmp-web-1"},
			Labels: map[string]string{"com.docker.compose.service": "web", "com.docker.compose.project": "psjcmp"},
			Mounts: []backend.MountSummary{{Name: "psjcmp_data", Driver: "local"}}, Networks: []string{"psjcmp_default"},
			Exposed: []stack.Port{
				{HostIP: "::", HostPort: 18500, ContainerPort: 8000, Protocol: "tcp"},
				{HostIP: "0.0.0.0", HostPort: 18500, ContainerPort: 8000, Protocol: "tcp"},
			},
		},
		{
			Service: "job", Name: "psjcmp-job-1", ID: "e03bfc099a93" + strings.Repeat("1", 52), State: "exited", ExitCode: 3,
			Image: "python:3.11-slim", Command: "python -c 'import sys; sys.exit(3)'", Created: created, StatusText: "Exited (3) 5 seconds ago",
			Names:  []string{"/psjcmp-job-1"},
			Labels: map[string]string{"com.docker.compose.service": "job", "com.docker.compose.project": "psjcmp"},
			Mounts: []backend.MountSummary{}, Networks: []string{"psjcmp_default"},
		},
		{
			Service: "cache", Name: "psjcmp-cache-1", ID: "0757ff44599a" + strings.Repeat("2", 52), State: "running",
			Image: "redis:7", Command: "docker-entrypoint.sh redis-server", Created: created, StatusText: "Up 3 seconds",
			Names:  []string{"/psjcmp-cache-1"},
			Labels: map[string]string{"com.docker.compose.service": "cache", "com.docker.compose.project": "psjcmp"},
			Mounts: []backend.MountSummary{{Name: "e4b35c087f80be0123456789", Driver: "local"}}, Networks: []string{"psjcmp_default"},
			Exposed: []stack.Port{{ContainerPort: 6379, Protocol: "tcp"}},
		},
	}
	format, err := parseFormat("json")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := printSummaries(&out, format, psSummaries("psjcmp", containers, now, true)); err != nil {
		t.Fatal(err)
	}
	want := `{"Command":"\"docker-entrypoint.s…\"","CreatedAt":"2026-12-07 16:11:51 +0000 UTC","Engine":"","ExitCode":0,"Health":"","ID":"0757ff44599a","Image":"redis:7","Labels":"com.docker.compose.project=psjcmp,com.docker.compose.service=cache","LocalVolumes":"1","Mounts":"e4b35c087f80be…","Name":"psjcmp-cache-1","Names":"psjcmp-cache-1","Networks":"psjcmp_default","Ports":"6379/tcp","Project":"psjcmp","Publishers":[{"URL":"","TargetPort":6379,"PublishedPort":0,"Protocol":"tcp"}],"RunningFor":"6 seconds ago","Service":"cache","Size":"0B","State":"running","Status":"Up 3 seconds"}
{"Command":"\"python -c 'import s…\"","CreatedAt":"2026-12-07 16:11:51 +0000 UTC","Engine":"","ExitCode":3,"Health":"","ID":"e03bfc099a93","Image":"python:3.11-slim","Labels":"com.docker.compose.project=psjcmp,com.docker.compose.service=job","LocalVolumes":"0","Mounts":"","Name":"psjcmp-job-1","Names":"psjcmp-job-1","Networks":"psjcmp_default","Ports":"","Project":"psjcmp","Publishers":[],"RunningFor":"6 seconds ago","Service":"job","Size":"0B","State":"exited","Status":"Exited (3) 5 seconds ago"}
{"Command":"\"python -m http.serv…\"","CreatedAt":"2026-12-07 16:11:51 +0000 UTC","Engine":"","ExitCode":0,"Health":"healthy","ID":"6a57e8387ef9","Image":"python:3.11-slim","Labels":"com.docker.compose.project=psjcmp,com.docker.compose.service=web","LocalVolumes":"1","Mounts":"psjcmp_data","Name":"psjcmp-web-1","Names":"psjcmp-web-1","Networks":"psjcmp_default","Ports":"0.0.0.0:18500-\u003e8000/tcp, [::]:18500-\u003e8000/tcp","Project":"psjcmp","Publishers":[{"URL":"::","TargetPort":8000,"PublishedPort":18500,"Protocol":"tcp"},{"URL":"0.0.0.0","TargetPort":8000,"PublishedPort":18500,"Protocol":"tcp"}],"RunningFor":"6 seconds ago","Service":"web","Size":"0B","State":"running","Status":"Up 4 seconds (healthy)"}
`
	if got := out.String(); got != want {
		t.Errorf("ps --format json printed\n%s\nwant Compose's\n%s", got, want)
	}
}

// TestPsPortsAreTheCLIsColumn checks PORTS on the docker CLI's grouping:
// consecutive exposed or same-port published ports form ranges, a range
// ended by a gap comes first, as formatter.DisplayablePorts has it.
func TestPsPortsAreTheCLIsColumn(t *testing.T) {
	got := displayablePorts(publishersOf([]stack.Port{
		{HostIP: "0.0.0.0", HostPort: 8001, ContainerPort: 8001, Protocol: "tcp"},
		{HostIP: "0.0.0.0", HostPort: 8000, ContainerPort: 8000, Protocol: "tcp"},
		{ContainerPort: 53, Protocol: "udp"},
		{ContainerPort: 9000, Protocol: "tcp"},
		{ContainerPort: 9001, Protocol: "tcp"},
		{ContainerPort: 9003, Protocol: "tcp"},
		{HostIP: "127.0.0.1", HostPort: 18080, ContainerPort: 80, Protocol: "tcp"},
	}))
	want := "9000-9001/tcp, 53/udp, 0.0.0.0:8000-8001->8000-8001/tcp, 9003/tcp, 127.0.0.1:18080->80/tcp"
	if got != want {
		t.Errorf("ports %q, want %q", got, want)
	}
}

// TestPsTemplatesReadTheSameSummary: a template reads the fields json
// prints, Compose's Label method, and keeps IDs whole with --no-trunc.
func TestPsTemplatesReadTheSameSummary(t *testing.T) {
	c := backend.ContainerStatus{Service: "web", Name: "p-web-1", ID: strings.Repeat("a", 64), State: "running",
		Image: "redis:7", Labels: map[string]string{"tier": "front"}, Exposed: []stack.Port{{ContainerPort: 6379, Protocol: "tcp"}}}
	format, err := parseFormat(`{{.ID}} {{.Image}} {{.Label "tier"}} {{json .Publishers}} {{.Ports}}`)
	if err != nil {
		t.Fatal(err)
	}
	for trunc, id := range map[bool]string{true: strings.Repeat("a", 12), false: strings.Repeat("a", 64)} {
		var out strings.Builder
		if err := printSummaries(&out, format, psSummaries("p", []backend.ContainerStatus{c}, time.Now(), trunc)); err != nil {
			t.Fatal(err)
		}
		want := id + ` redis:7 front [{"URL":"","TargetPort":6379,"PublishedPort":0,"Protocol":"tcp"}] 6379/tcp` + "\n"
		if out.String() != want {
			t.Errorf("trunc %v: %q, want %q", trunc, out.String(), want)
		}
	}
}
