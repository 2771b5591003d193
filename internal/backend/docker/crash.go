package docker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/crash"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// Crash kills a service's container the way a real crash looks — SIGKILL to
// its main process from outside the engine's API, which the engine sees as
// the process dying and answers with the restart policy — then watches it
// come back: restarted, healthy, and the services that depend on it serving
// again. (A kill through the API counts as a manual stop: no policy
// restarts the container; see Signal.)
func (b *Backend) Crash(ctx context.Context, st *stack.Stack, opts backend.CrashOptions) (backend.CrashReport, error) {
	svc, target, err := b.pickContainer(ctx, st, opts.Service, opts.Replica)
	if err != nil {
		return backend.CrashReport{}, err
	}
	report := backend.CrashReport{Service: svc.Name, Container: target.Name, RestartPolicy: target.Restart.String()}
	if !target.Running() || target.Pid == 0 {
		return report, fmt.Errorf("service %s: container %s is %s, not running; start it with `stackctl start %s`",
			svc.Name, target.Name, target.Status, svc.Name)
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = backend.DefaultWaitTimeout
	}

	timeline := crash.Begin(&report, "container "+target.Name, b.progress)
	method, err := b.killer.Kill(ctx, b.engine, target, st.ProjectLabels())
	if err != nil {
		return report, err
	}
	timeline.Killed(method)
	if opts.NoWait {
		return report, nil
	}

	ctx, cancel := timeline.Watch(ctx, opts.WaitTimeout)
	defer cancel()

	died, err := b.waitContainer(ctx, target.ID, func(c engine.Container) bool {
		return !c.Running() || c.RestartCount > target.RestartCount || !c.StartedAt.Equal(target.StartedAt)
	})
	if err != nil {
		return report, timeline.WaitError("seen to die", err)
	}
	timeline.Mark(fmt.Sprintf("crashed (SIGKILL, exit %d)", exitCodeOf(died)))

	back, err := b.waitContainer(ctx, target.ID, func(c engine.Container) bool {
		return c.Running() && c.RestartCount > target.RestartCount || !c.Running() && !willRestart(c)
	})
	if err != nil {
		return report, timeline.WaitError("restarted", err)
	}
	if !back.Running() {
		return report, fmt.Errorf("service %s: the engine did not restart container %s (restart policy %q, %s)",
			svc.Name, target.Name, back.Restart.String(), exitReason(back))
	}
	timeline.Mark(fmt.Sprintf("restarted by policy %q (restart #%d)", back.Restart.String(), back.RestartCount))

	if svc.Healthcheck.Enabled() {
		if err := b.awaitHealthy(ctx, svc, target.ID, target.Name, opts.WaitTimeout); err != nil {
			return report, timeline.WaitError("healthy", err)
		}
		timeline.Mark("healthy")
	}
	for _, dependent := range crash.ServingDependents(st, svc.Name) {
		if err := b.waitServing(ctx, st, dependent, opts.WaitTimeout); err != nil {
			return report, timeline.WaitError("serving", err)
		}
		timeline.Mark(dependent.Name + " serving again")
	}
	return report, nil
}

// exitCodeOf is the exit code of the run that died. When the engine has
// already restarted the container it has reset the code, so it is the one
// SIGKILL gives.
func exitCodeOf(c engine.Container) int {
	if c.Running() {
		return 128 + int(syscall.SIGKILL)
	}
	return c.ExitCode
}

// pickContainer finds the container of service to act on.
func (b *Backend) pickContainer(ctx context.Context, st *stack.Stack, service, replica string) (*stack.Service, engine.Container, error) {
	svc, ok := st.Service(service)
	if !ok {
		return nil, engine.Container{}, fmt.Errorf("%w %q (the stack has: %s)", backend.ErrUnknownService, service, strings.Join(st.ServiceNames(), ", "))
	}
	containers, err := b.PS(ctx, st)
	if err != nil {
		return nil, engine.Container{}, err
	}
	containers = slices.DeleteFunc(containers, func(c backend.ContainerStatus) bool { return c.Service != service || c.OneOff })
	if len(containers) == 0 {
		return nil, engine.Container{}, fmt.Errorf("service %s has no container; bring the stack up first with `stackctl up`", service)
	}
	var chosen *backend.ContainerStatus
	for i, c := range containers {
		switch {
		case replica != "" && (c.Name == replica || replica == service+"-"+strconv.Itoa(c.Replica)):
			chosen = &containers[i]
		case replica == "" && chosen == nil && c.State == "running":
			chosen = &containers[i]
		}
	}
	if chosen == nil && replica != "" {
		names := make([]string, 0, len(containers))
		for _, c := range containers {
			names = append(names, c.Name)
		}
		return nil, engine.Container{}, fmt.Errorf("service %s has no replica %q (it has: %s)", service, replica, strings.Join(names, ", "))
	}
	if chosen == nil {
		chosen = &containers[0]
	}
	c, err := b.engine.ContainerInspect(ctx, chosen.ID)
	return svc, c, err
}

// waitContainer polls the container until done says so, and returns it
// as it was then.
func (b *Backend) waitContainer(ctx context.Context, id string, done func(engine.Container) bool) (engine.Container, error) {
	c := b.containerIs(id, func(c engine.Container) (bool, error) { return done(c), nil })
	err := wait.Until(ctx, b.probeGap, c)
	return c.last, err
}

// waitServing waits until every running container of svc passes its
// readiness probe.
func (b *Backend) waitServing(ctx context.Context, st *stack.Stack, svc *stack.Service, timeout time.Duration) error {
	containers, err := b.PS(ctx, st)
	if err != nil {
		return err
	}
	for _, c := range containers {
		if c.Service != svc.Name || c.State != "running" || c.OneOff {
			continue
		}
		if err := b.waitReadiness(ctx, svc, c.ID, c.Name, timeout); err != nil {
			return err
		}
	}
	return nil
}

// Signal sends sig to a service's container through the engine's API, as
// `docker kill` does. The engine records that as a manual stop, so the
// restart policy will not bring the container back.
func (b *Backend) Signal(ctx context.Context, st *stack.Stack, service, replica, sig string) (string, error) {
	svc, c, err := b.pickContainer(ctx, st, service, replica)
	if err != nil {
		return "", err
	}
	if !c.Running() {
		return c.Name, fmt.Errorf("service %s: container %s is %s, not running", svc.Name, c.Name, c.Status)
	}
	if err := b.engine.ContainerKill(ctx, c.ID, sig); err != nil {
		return c.Name, err
	}
	b.report("container "+c.Name, "signalled", sig+" through the API")
	return c.Name, nil
}
