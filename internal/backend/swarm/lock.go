package swarm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	swarmapi "github.com/docker/docker/api/types/swarm"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/wait"
)

// The project's lock on a swarm is a swarm config named after it: the
// managers' raft store takes one name once, so two runs of stackctl, from
// any machines, cannot both hold it.
const (
	labelLock      = "io.stackctl.lock"
	labelLockOwner = "io.stackctl.lock-owner"
	// staleLockAge: a lock this old is a run that died holding it, and is
	// taken over; no run of stackctl lasts that long.
	staleLockAge = 2 * time.Hour
)

func lockName(project string) string { return project + "_stackctl-lock" }

// Lock takes the project's lock on the swarm, waiting up to maxWait for a
// holder to finish. The returned function releases it.
func (b *Backend) Lock(ctx context.Context, project string, maxWait time.Duration) (func(), error) {
	name := lockName(project)
	owner, _ := backend.LockOwner()
	spec := swarmapi.ConfigSpec{
		Annotations: swarmapi.Annotations{Name: name, Labels: map[string]string{labelLock: project, labelLockOwner: owner}},
		Data:        []byte(strconv.Itoa(os.Getpid()) + "\n"),
	}
	var (
		id       string
		held     *backend.LockedError
		reported bool
	)
	acquire := wait.Func(func(ctx context.Context) (bool, error) {
		var err error
		id, err = b.engine.ConfigCreate(ctx, spec)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, engine.ErrConflict) {
			return false, fmt.Errorf("lock project %s: %w", project, err)
		}
		holders, err := b.engine.ConfigList(ctx, map[string]string{labelLock: project})
		if err != nil {
			return false, fmt.Errorf("lock project %s: %w", project, err)
		}
		for _, h := range holders {
			if h.Name != name {
				continue
			}
			held = &backend.LockedError{Project: project, Owner: h.Labels[labelLockOwner], Since: h.Created}
			if time.Since(h.Created) > staleLockAge {
				b.report("lock "+project, "taken over", "from "+held.Owner+", held since "+h.Created.Format(time.DateTime))
				if err := b.engine.ConfigRemove(ctx, h.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
					return false, fmt.Errorf("take over the lock of project %s: %w", project, err)
				}
			}
		}
		if held != nil && !reported && maxWait > 0 {
			reported = true
			b.reportWarning("lock "+project, "waiting", "for "+held.Owner)
		}
		return false, nil
	})
	err := backend.TakeLock(ctx, maxWait, 200*time.Millisecond, acquire, func() *backend.LockedError { return held })
	if err != nil {
		return nil, err
	}
	return func() {
		// Released even when the run was cancelled: a fresh context.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := b.engine.ConfigRemove(ctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
			b.reportWarning("lock "+project, "not released", err.Error())
		}
	}, nil
}
