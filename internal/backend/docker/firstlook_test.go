package docker

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A service with no healthcheck that nothing waits on is up as Compose's
// up --wait has it: its container must still run at the first look, half
// a second into the wait. One that exited by then with a non-zero code
// fails the up, naming the service, the code and the log's last lines;
// one that ran to completion (exit 0) is done; one that dies only after
// the first look was up.
func TestAServiceWithoutHealthcheckMustStillRunAtTheFirstLook(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration // when the container exits; 0: never
		code  int
		fails bool
	}{
		{"runs on", 0, 0, false},
		{"crashes right after its start", 200 * time.Millisecond, 111, true},
		{"completes right after its start", 200 * time.Millisecond, 0, false},
		{"crashes after the first look", 2 * time.Second, 111, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine()
				st := &stack.Stack{Project: "p", Services: []stack.Service{{Name: "fail", Image: "redis:7", Replicas: 1}}}
				svc, _ := st.Service("fail")
				name := st.ContainerName(svc, 1)
				f.logs[name] = []string{"starting", "cannot open /data: permission denied"}
				// The bubble ends once the container's exit has come.
				defer time.Sleep(tt.after)
				if tt.after > 0 {
					f.onStart[name] = func(*engine.Container) {
						go func() {
							time.Sleep(tt.after)
							f.exit(name, tt.code)
						}()
					}
				}
				_, err := orchestrated(f, nil).Up(t.Context(), st, backend.UpOptions{})
				if !tt.fails {
					if err != nil {
						t.Fatalf("up: %v", err)
					}
					return
				}
				var failed *backend.ServiceFailedError
				if !errors.As(err, &failed) {
					t.Fatalf("up = %v, want the service's failure", err)
				}
				if failed.Service != "fail" || failed.Reason != "exited with code 111" || !strings.Contains(failed.LogTail, "permission denied") {
					t.Errorf("failure names service %q, reason %q, log %q; want fail, exited with code 111 and its last lines",
						failed.Service, failed.Reason, failed.LogTail)
				}
			})
		})
	}
}
