package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// waitReady waits until every container of the service is ready: completed
// for a one-shot, healthy for a service with a healthcheck, started
// otherwise. Replicas are waited for in parallel.
func (r *dockerRun) waitReady(ctx context.Context, plan backend.ServicePlan, ids []string) error {
	svc := plan.Service
	if !svc.OneShot && svc.Healthcheck != nil && !svc.Healthcheck.Enabled() {
		return nil // the file turned the image's healthcheck off: started is ready
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.WaitTimeout)
	defer cancel()
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		if id == "" || readyAsObserved(svc, plan.Steps[i]) {
			continue // nothing ran, or it was ready when observed
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := plan.Steps[i].Name
			if svc.OneShot {
				errs[i] = r.b.waitCompleted(ctx, svc, id, name, r.opts.WaitTimeout)
				return
			}
			began := time.Now()
			err := r.b.waitHealthy(ctx, svc, id, name, r.opts.WaitTimeout)
			if errors.Is(err, errNoHealthcheck) {
				// Started is all a service without any healthcheck can
				// be, unless a dependent waits for it to be healthy; one
				// this up started must still run at Compose's first look.
				switch dependent := plan.HealthyFor; {
				case dependent != "":
					err = r.b.failure(svc, id, name, fmt.Sprintf("has no healthcheck, in the file or its image, but service %s depends on it with condition service_healthy", dependent), nil, "")
				case plan.Steps[i].Action == backend.Keep:
					err = nil
				default:
					err = r.b.stillRunning(ctx, svc, id, name, began)
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// waitHealthy returns once the container passes its healthcheck. The engine
// runs its first probe one interval after start (5 s for the seed's db), and
// engines before API 1.44 cannot probe faster during start-up; so, besides
// reading the engine's verdict, stackctl runs the same check command itself
// at a fast cadence. The first pass of either counts. An unhealthy verdict,
// a crash loop, or a container that stopped and will not be restarted,
// fails at once.
func (b *Backend) waitHealthy(ctx context.Context, svc *stack.Service, id, name string, timeout time.Duration) error {
	began := time.Now()
	if err := b.awaitHealthy(ctx, svc, id, name, timeout); err != nil {
		return err
	}
	b.report("container "+name, "healthy", since(began))
	return nil
}

// awaitHealthy is waitHealthy without its progress line, for a caller that
// reports the moment its own way (kill's timeline).
func (b *Backend) awaitHealthy(ctx context.Context, svc *stack.Service, id, name string, timeout time.Duration) error {
	began := time.Now()
	// Without a healthcheck in the file, only the engine's verdict on the
	// image's own counts.
	var probe *execCondition
	if hc := svc.Healthcheck; hc.Enabled() {
		probe = b.execPasses(id, probeCommand(hc.Test), cmp.Or(hc.Timeout, 30*time.Second))
	}
	lastProbe := func() string {
		if probe == nil {
			return ""
		}
		return probe.last
	}
	restarts := -1
	verdict := b.containerIs(id, func(c engine.Container) (bool, error) {
		if restarts < 0 {
			restarts = c.RestartCount
		}
		switch {
		case c.RestartCount > restarts:
			// It died and its policy restarted it while we waited: a
			// crash loop, which waiting longer will not cure.
			return false, b.failure(svc, id, name, fmt.Sprintf("crashed while starting (%s, restarted by its policy)", exitReason(c)), c.HealthLog, lastProbe())
		case c.Status == "exited" && c.ExitCode == 0 && c.Health == "" && probe == nil:
			// Without a healthcheck, a container that ran to completion
			// is done, where Compose's up --wait fails it
			// (docs/behaviour.md).
			return false, errNoHealthcheck
		case !c.Running() && !willRestart(c):
			// Before the health verdict: the engine marks a stopped
			// container unhealthy, and the stop is what happened.
			return false, b.failure(svc, id, name, exitReason(c), c.HealthLog, lastProbe())
		case c.Health == "healthy":
			return true, nil
		case c.Health == "unhealthy" && verdictSince(c.HealthLog, began):
			return false, b.failure(svc, id, name, "is unhealthy", c.HealthLog, lastProbe())
		case c.Running() && c.Health == "" && probe == nil:
			return false, errNoHealthcheck
		}
		return false, nil
	})
	healthy := wait.Condition(verdict)
	if probe != nil {
		healthy = wait.ForAny(verdict, whileRunning(verdict, probe))
	}
	err := wait.Until(ctx, b.probeGap, wait.Paced(healthy, maxCheckGap))
	var failed *backend.ServiceFailedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoHealthcheck) || errors.As(err, &failed):
		return err
	}
	return b.waitError(ctx, svc, id, name, err, lastProbe(), timeout)
}

// firstLook is when Compose's up --wait first looks at a container with
// no healthcheck, polling every 500 ms: one that runs then is up, one that
// exited has failed.
const firstLook = 500 * time.Millisecond

// stillRunning returns once the container, which has no healthcheck and
// was started by this up, is seen firstLook after its wait began: running,
// to be restarted by its policy, or run to completion (exit 0) is up; any
// other exit fails the up, with the service, the exit code and the last
// lines of the container's log.
func (b *Backend) stillRunning(ctx context.Context, svc *stack.Service, id, name string, began time.Time) error {
	t := time.NewTimer(time.Until(began.Add(firstLook)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return fmt.Errorf("container %s: %w", name, ctx.Err())
	}
	c, err := b.engine.ContainerInspect(ctx, id)
	if err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	if c.Running() || willRestart(c) || (c.Status == "exited" && c.ExitCode == 0) {
		return nil
	}
	return b.failure(svc, id, name, exitReason(c), nil, "")
}

// verdictSince says the engine's last health check began at or after t.
// An unhealthy verdict from before a wait is stale: it may be of the
// container's earlier run (stopped, restarted), and it stays unhealthy
// until a check passes.
func verdictSince(log []engine.HealthResult, t time.Time) bool {
	return len(log) > 0 && !log[len(log)-1].Start.Before(t)
}

// readyAsObserved says a replica up converged by keeping it was already
// ready when observed: healthy by the engine's verdict, or a one-shot that
// exited 0. A no-op up then asks the engine nothing more about it.
func readyAsObserved(svc *stack.Service, s backend.Step) bool {
	c := s.Current
	if s.Action != backend.Keep || c == nil {
		return false
	}
	return c.Healthy || (svc.OneShot && c.State == "exited" && c.ExitCode == 0)
}

// errNoHealthcheck says a container has no healthcheck at all: neither the
// file nor its image declares one.
var errNoHealthcheck = errors.New("no healthcheck")

// waitReadiness returns once the container passes the service's readiness
// probe (at once when it has none).
func (b *Backend) waitReadiness(ctx context.Context, svc *stack.Service, id, name string, timeout time.Duration) error {
	if len(svc.Readiness) == 0 {
		return nil
	}
	ready := b.execPasses(id, svc.Readiness, 5*time.Second)
	if err := wait.Until(ctx, b.probeGap, wait.Paced(ready, maxCheckGap)); err != nil {
		last := ""
		if ready.last != "" {
			last = fmt.Sprintf("readiness %q: %s", svc.Readiness, ready.last)
		}
		return b.waitError(ctx, svc, id, name, err, last, timeout)
	}
	return nil
}

func (b *Backend) execProbe(ctx context.Context, id string, cmd []string, timeout time.Duration) (engine.ExecResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return b.engine.Exec(ctx, id, cmd)
}

// waitCompleted returns once a one-shot container exited 0. A non-zero exit
// that its restart policy will retry is waited through.
func (b *Backend) waitCompleted(ctx context.Context, svc *stack.Service, id, name string, timeout time.Duration) error {
	began := time.Now()
	completed := b.containerIs(id, func(c engine.Container) (bool, error) {
		switch {
		case c.Status != "exited":
			return false, nil
		case c.ExitCode == 0:
			return true, nil
		case !willRestart(c):
			return false, b.failure(svc, id, name, exitReason(c), nil, "")
		}
		return false, nil
	})
	err := b.untilCompleted(ctx, svc, id, completed)
	var failed *backend.ServiceFailedError
	switch {
	case err == nil:
		b.report("container "+name, "completed", since(began))
		return nil
	case errors.As(err, &failed):
		return err
	}
	return b.waitError(ctx, svc, id, name, err, "", timeout)
}

// willRestart reports whether the engine's restart policy will start the
// stopped container again.
func willRestart(c engine.Container) bool {
	if c.Status == "restarting" {
		return true
	}
	if c.Status != "exited" {
		return false
	}
	if c.Restart.RestartsWhateverTheExit() {
		return true
	}
	return c.Restart.Name == "on-failure" && c.ExitCode != 0 && (c.Restart.MaxRetries == 0 || c.RestartCount < c.Restart.MaxRetries)
}

func exitReason(c engine.Container) string {
	switch {
	case c.Status == "created":
		return "was created but never started"
	case c.OOMKilled:
		return fmt.Sprintf("was killed for running out of memory (exit %d)", c.ExitCode)
	case c.Error != "":
		return fmt.Sprintf("failed: %s", c.Error)
	case c.RestartCount > 0:
		return fmt.Sprintf("exited with code %d after %d restarts", c.ExitCode, c.RestartCount)
	}
	return fmt.Sprintf("exited with code %d", c.ExitCode)
}

// waitError turns the end of a wait into the error to show: a timeout gets
// the service's health and logs; a cancellation (Ctrl-C) stays one.
func (b *Backend) waitError(ctx context.Context, svc *stack.Service, id, name string, err error, lastProbe string, timeout time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		var health []engine.HealthResult
		if c, ierr := b.engine.ContainerInspect(context.Background(), id); ierr == nil {
			health = c.HealthLog
		}
		return b.failure(svc, id, name, fmt.Sprintf("did not become ready within %s", timeout), health, lastProbe)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("wait for container %s of service %s: %w", name, svc.Name, err)
}

// logTailLines is how much of a failed service's log an error shows.
const logTailLines = 20

func (b *Backend) failure(svc *stack.Service, id, name, reason string, health []engine.HealthResult, lastProbe string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var logs strings.Builder
	_ = b.engine.ContainerLogs(ctx, id, engine.LogsOptions{Tail: logTailLines}, &logs, &logs)
	if len(health) > 5 {
		health = health[len(health)-5:]
	}
	b.reportError("container "+name, "failed", reason)
	return &backend.ServiceFailedError{
		Service: svc.Name, Container: name, Reason: reason,
		Health: health, LastProbe: lastProbe, LogTail: logs.String(),
	}
}

// probeCommand turns a healthcheck test into an exec command.
func probeCommand(test []string) []string {
	if len(test) > 1 && test[0] == "CMD-SHELL" {
		return []string{"/bin/sh", "-c", strings.Join(test[1:], " ")}
	}
	return test[1:]
}

func since(t time.Time) string {
	return time.Since(t).Round(time.Millisecond).String()
}
