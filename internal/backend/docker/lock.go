package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
	"github.com/stackctl/stackctl/internal/walk"
)

// A project's lock is a volume that no container mounts, named after the
// project: the engine makes a name once, for whoever asks first (also when
// several machines share a remote engine), and returns what it has under
// it to everyone else, so its labels say who holds it. A random token in
// them tells this run's lock from another's. A volume costs the engine a
// directory and a record, far less than a container would.
const (
	labelLock      = "io.stackctl.lock"
	labelLockHost  = "io.stackctl.lock.host"
	labelLockPid   = "io.stackctl.lock.pid"
	labelLockOwner = "io.stackctl.lock.owner"
	labelLockToken = "io.stackctl.lock.token"
)

// staleLockAge is when a lock whose holder cannot be checked (it ran on
// another machine) is taken over: no run of stackctl lasts that long.
const staleLockAge = 2 * time.Hour

// Lock takes the project's lock, waiting up to wait for a holder to
// finish (not at all when wait is 0). A lock whose holder died is taken
// over. The returned function releases it.
func (b *Backend) Lock(ctx context.Context, project string, maxWait time.Duration) (unlock func(), err error) {
	name := lockName(project)
	owner, host := backend.LockOwner()
	mine := map[string]string{
		labelLock: project, labelLockHost: host, labelLockPid: strconv.Itoa(os.Getpid()), labelLockOwner: owner,
		labelLockToken: newLockToken(),
	}
	reported := false
	var held *backend.LockedError
	var acquire wait.Func
	acquire = func(ctx context.Context) (bool, error) {
		holder, err := b.engine.VolumeClaim(ctx, name, mine)
		switch {
		case err != nil:
			return false, fmt.Errorf("lock project %s: %w", project, err)
		case holder.Labels[labelLockToken] == mine[labelLockToken]:
			return true, nil
		case holder.Labels[labelLock] != project:
			return false, &backend.NotOwnedError{Kind: "volume", Name: name, Project: project, Owner: holder.Labels[stack.LabelProject]}
		}
		held = &backend.LockedError{Project: project, Owner: holder.Labels[labelLockOwner], Since: holder.CreatedAt}
		if stale(holder, host) {
			removed, err := b.takeOver(ctx, holder, mine, host)
			if err != nil {
				return false, fmt.Errorf("take over the lock of project %s: %w", project, err)
			}
			if removed {
				b.report("lock "+project, "taken over", "from "+held.Owner+", which is gone")
				return acquire(ctx)
			}
		}
		if !reported && maxWait > 0 {
			reported = true
			b.reportWarning("lock "+project, "waiting", "for "+held.Owner)
		}
		return false, nil
	}
	err = backend.TakeLock(ctx, maxWait, 100*time.Millisecond, acquire, func() *backend.LockedError { return held })
	if err != nil {
		return nil, err
	}
	return func() {
		if err := b.removeLock(context.WithoutCancel(ctx), name, mine[labelLockToken]); err != nil {
			b.reportError("lock "+project, "not released", err.Error())
		}
	}, nil
}

// takeOver removes lock, whose holder is gone, and says whether it or a
// claim on it was removed (then the caller asks again at once). A volume
// has no ID, only its name, and removing by name what was seen a moment
// ago could remove a lock another run has just taken over. So the right to
// remove this holder's lock is claimed first, by a volume named after its
// token: one run gets it, and only that run removes the lock, after
// finding it still the dead holder's. The token is never used again, so no
// later claim can find it. A claim whose holder died too is taken over the
// same way; a live one is left to its holder.
func (b *Backend) takeOver(ctx context.Context, lock engine.Volume, mine map[string]string, host string) (bool, error) {
	token := lock.Labels[labelLockToken]
	if token == "" {
		// A lock of no token (made by hand): there is nothing to tell it
		// from another but its name.
		if err := b.engine.VolumeRemove(ctx, lock.Name); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return false, err
		}
		return true, nil
	}
	claimName := lock.Name + "." + token
	claim, err := b.engine.VolumeClaim(ctx, claimName, mine)
	if err != nil {
		return false, err
	}
	if claim.Labels[labelLockToken] != mine[labelLockToken] {
		if stale(claim, host) {
			return b.takeOver(ctx, claim, mine, host)
		}
		return false, nil
	}
	if err := b.removeLock(ctx, lock.Name, token); err != nil {
		return false, err
	}
	return true, b.removeLock(ctx, claimName, mine[labelLockToken])
}

// removeLock removes the lock (or claim) name if it still carries token:
// one taken over meanwhile is its new holder's.
func (b *Backend) removeLock(ctx context.Context, name, token string) error {
	v, err := b.engine.VolumeInspect(ctx, name)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil
	case err != nil:
		return err
	case v.Labels[labelLockToken] != token:
		return nil
	}
	if err := b.engine.VolumeRemove(ctx, name); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return nil
}

// sweepClaims removes the claims on the project's lock (see takeOver)
// that their runs left when they died between removing the lock they
// claimed and removing the claim: nothing else looks for them once that
// lock is gone. A live run's claim is its own to remove; the caller holds
// the lock, so no run takes a claim it removes here.
func (b *Backend) sweepClaims(ctx context.Context, project string) error {
	_, host := backend.LockOwner()
	list, err := b.engine.VolumeList(ctx, map[string]string{labelLock: project})
	if err != nil {
		return fmt.Errorf("list the claims on the lock of project %s: %w", project, err)
	}
	prefix := lockName(project) + "."
	return walk.Each(list, func(v engine.Volume) error {
		if !strings.HasPrefix(v.Name, prefix) || !stale(v, host) {
			return nil
		}
		if err := b.removeLock(ctx, v.Name, v.Labels[labelLockToken]); err != nil {
			return fmt.Errorf("remove volume %s, a claim on the lock of project %s left by a run that died: %w", v.Name, project, err)
		}
		b.report("volume "+v.Name, "removed", "a claim on the lock left by a run that died")
		return nil
	})
}

// lockName cannot be a volume Compose names by default (project, then an
// underscore), as project names hold no dot.
func lockName(project string) string { return "stackctl-lock." + project }

// newLockToken tells one run's lock from any other's.
func newLockToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails: it fills b or stops the program
	return hex.EncodeToString(b)
}

// stale reports whether the lock's holder is gone: a process of this
// machine that no longer runs, or a lock older than any run.
func stale(holder engine.Volume, host string) bool {
	if !holder.CreatedAt.IsZero() && time.Since(holder.CreatedAt) > staleLockAge {
		return true
	}
	pid, err := strconv.Atoi(holder.Labels[labelLockPid])
	if holder.Labels[labelLockHost] != host || err != nil || pid <= 0 {
		return false
	}
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
