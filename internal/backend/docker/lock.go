package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// A project's lock is a container that is never started, named after the
// project: the engine creates a name once, atomically, for whoever asks
// first, also when several machines share a remote engine. Its labels say
// who holds it. It is made from the empty image.
const (
	labelLock      = "io.stackctl.lock"
	labelLockHost  = "io.stackctl.lock.host"
	labelLockPid   = "io.stackctl.lock.pid"
	labelLockOwner = "io.stackctl.lock.owner"
)

// staleLockAge is when a lock whose holder cannot be checked (it ran on
// another machine) is taken over: no run of stackctl lasts that long.
const staleLockAge = 2 * time.Hour

// Lock takes the project's lock, waiting up to wait for a holder to
// finish (not at all when wait is 0). A lock whose holder died is taken
// over. The returned function releases it.
func (b *Backend) Lock(ctx context.Context, project string, maxWait time.Duration) (unlock func(), err error) {
	name := lockName(project)
	owner, host := orchestrator.LockOwner()
	spec := engine.ContainerSpec{
		Name: name, Image: emptyImage,
		Labels: map[string]string{
			labelLock: project, labelLockHost: host, labelLockPid: strconv.Itoa(os.Getpid()), labelLockOwner: owner,
		},
	}
	reported := false
	var held *orchestrator.LockedError
	var acquire wait.Func
	acquire = func(ctx context.Context) (bool, error) {
		_, err := b.engine.ContainerCreate(ctx, spec)
		if errors.Is(err, engine.ErrNotFound) {
			// No empty image yet: made once per engine, so it is not
			// looked up before every lock.
			if err := b.ensureEmptyImage(ctx); err != nil {
				return false, fmt.Errorf("lock project %s: %w", project, err)
			}
			_, err = b.engine.ContainerCreate(ctx, spec)
		}
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, engine.ErrConflict) {
			return false, fmt.Errorf("lock project %s: %w", project, err)
		}
		holder, err := b.engine.ContainerInspect(ctx, name)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			return false, nil // released in between: try again
		case err != nil:
			return false, fmt.Errorf("lock project %s: %w", project, err)
		case holder.Labels[labelLock] != project:
			return false, &orchestrator.NotOwnedError{Kind: "container", Name: name, Project: project, Owner: holder.Labels[stack.LabelProject]}
		}
		held = &orchestrator.LockedError{Project: project, Owner: holder.Labels[labelLockOwner], Since: holder.Created}
		if stale(holder, host) {
			b.report("lock "+project, "taken over", "from "+held.Owner+", which is gone")
			if err := b.engine.ContainerRemove(ctx, holder.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return false, fmt.Errorf("take over the lock of project %s: %w", project, err)
			}
			return acquire(ctx)
		}
		if !reported && maxWait > 0 {
			reported = true
			b.reportWarning("lock "+project, "waiting", "for "+held.Owner)
		}
		return false, nil
	}
	err = orchestrator.TakeLock(ctx, maxWait, 100*time.Millisecond, acquire, func() *orchestrator.LockedError { return held })
	if err != nil {
		return nil, err
	}
	return func() {
		if err := b.engine.ContainerRemove(context.WithoutCancel(ctx), name); err != nil && !errors.Is(err, engine.ErrNotFound) {
			b.reportError("lock "+project, "not released", err.Error())
		}
	}, nil
}

func lockName(project string) string { return project + "_lock" }

// stale reports whether the lock's holder is gone: a process of this
// machine that no longer runs, or a lock older than any run.
func stale(holder engine.Container, host string) bool {
	if time.Since(holder.Created) > staleLockAge {
		return true
	}
	pid, err := strconv.Atoi(holder.Labels[labelLockPid])
	if holder.Labels[labelLockHost] != host || err != nil || pid <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// emptyImage is an image of no files that stackctl makes on an engine once:
// containers that are created and never started (a project's lock, the
// writer of secrets) are made from it, so no image of the user's is needed.
const (
	emptyImage = "stackctl/empty:1"
	labelEmpty = "io.stackctl.empty"
)

// ensureEmptyImage creates the empty image when the engine lacks it.
func (b *Backend) ensureEmptyImage(ctx context.Context) error {
	_, err := b.engine.ImageInspect(ctx, emptyImage)
	if !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return b.engine.ImageCreate(ctx, emptyImage, nil, map[string]string{labelEmpty: "image"}, []string{"never-started"})
}
