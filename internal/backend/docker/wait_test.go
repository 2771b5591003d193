package docker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
)

// A service that takes half a minute to pass its healthcheck is probed
// less and less often as the wait goes on, not every poll: about a
// hundred runs of its check command instead of six hundred, and its
// readiness is seen at most a tenth of the wait late.
func TestASlowHealthcheckIsProbedLessOftenAsTheWaitGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const readyAfter = 30 * time.Second
		f := newFakeEngine()
		began := time.Now()
		f.probes["stackctl-db-1"] = func(int) engine.ExecResult {
			if time.Since(began) < readyAfter {
				return engine.ExecResult{ExitCode: 2, Output: "no response"}
			}
			return engine.ExecResult{Output: "accepting connections"}
		}
		if out := <-goUp(t.Context(), orchestrated(f, nil), testStack(t), backend.UpOptions{}); out.err != nil {
			t.Fatalf("up: %v", out.err)
		}
		f.mu.Lock()
		probes := f.containers["stackctl-db-1"].probed
		f.mu.Unlock()
		if probes > 100 || probes == 0 {
			t.Errorf("db's check ran %d times in %s; at the poll's cadence it runs 600, and want at most 100", probes, readyAfter)
		}
		if late := time.Since(began) - readyAfter; late > readyAfter/10+time.Second {
			t.Errorf("up returned %s after db's check began to pass, want at most a tenth of the wait and the rest of the stack's start", late)
		}
	})
}
