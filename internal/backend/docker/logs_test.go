package docker

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/backend"
)

func TestLogsRejectsAnUnknownService(t *testing.T) {
	f := newFakeEngine()
	var out strings.Builder
	err := newTestOrchestrator(f).Logs(testContext(t), testStack(t), backend.LogsOptions{Services: []string{"web", "queue"}}, &out)
	if !errors.Is(err, backend.ErrUnknownService) {
		t.Fatalf("Logs error = %v, want ErrUnknownService", err)
	}
	for _, want := range []string{`"queue"`, "db", "cache", "migrate", "web"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %s: %v", want, err)
		}
	}
}

// Logs shows the chosen services' last lines, each prefixed with its
// container's name, padded so the lines line up.
func TestLogsPrefixesTheChosenServicesLines(t *testing.T) {
	f, o, st := upStack(t)
	f.logs["stackctl-db-1"] = []string{"starting", "database system is ready to accept connections"}
	f.logs["stackctl-web-1"] = []string{"listening on :5000", "GET /healthz 200"}
	f.logs["stackctl-cache-1"] = []string{"Ready to accept connections tcp"}

	var out strings.Builder
	if err := o.Logs(testContext(t), st, backend.LogsOptions{Services: []string{"web", "db"}, Tail: 1}, &out); err != nil {
		t.Fatalf("Logs: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	slices.Sort(got) // containers write concurrently
	want := []string{
		"stackctl-db-1  | database system is ready to accept connections",
		"stackctl-web-1 | GET /healthz 200",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Logs wrote:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
