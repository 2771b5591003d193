package docker

import (
	"slices"
	"strings"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
)

func TestReloadedReadsTheRetiredWorkersOrWhatNginxSaid(t *testing.T) {
	retired, err := reloaded("edge", engine.ExecResult{Output: "worker 31\nworker 32\n2026/12/08 [notice] 40#40: signal process started\n"})
	if err != nil || !slices.Equal(retired, []string{"31", "32"}) {
		t.Fatalf("reloaded = %v, %v; want the PIDs 31 and 32", retired, err)
	}

	_, err = reloaded("edge", engine.ExecResult{ExitCode: checkFailed, Output: `nginx: [emerg] host not found in upstream "web:5000"` + "\n"})
	if err == nil || !strings.Contains(err.Error(), "load balancer edge: check configuration") || !strings.Contains(err.Error(), `host not found in upstream "web:5000"`) {
		t.Fatalf("a failed check gave %v; want the check named with nginx's words", err)
	}

	_, err = reloaded("edge", engine.ExecResult{ExitCode: 1, Output: "worker 31\nnginx: [error] invalid PID number \"\" in \"/run/nginx.pid\"\n"})
	if err == nil || !strings.Contains(err.Error(), "reload: nginx -s reload exited 1") || !strings.Contains(err.Error(), "invalid PID number") || strings.Contains(err.Error(), "worker 31") {
		t.Fatalf("a failed reload gave %v; want the reload named with nginx's words and no worker PIDs", err)
	}
}
