package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// runHooks runs a service's post_start or pre_stop hooks (key names
// which) in its container, one after another, as Compose's runHook does:
// an exec, which must exit 0.
func (b *Backend) runHooks(ctx context.Context, svc *stack.Service, key string, hooks []stack.Hook, id, name string) error {
	for i, h := range hooks {
		b.report("container "+name, "running "+key, strings.Join(h.Command, " "))
		res, err := b.engine.ExecWith(ctx, id, engine.ExecSpec{
			Cmd: h.Command, User: h.User, Privileged: h.Privileged, WorkingDir: h.WorkingDir, Env: h.Environment,
		})
		if err != nil {
			return fmt.Errorf("services.%s.%s[%d]: %w", svc.Name, key, i, err)
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("services.%s.%s[%d]: %q exited %d in container %s: %s", svc.Name, key, i, h.Command, res.ExitCode, name, strings.TrimSpace(res.Output))
		}
	}
	return nil
}

// preStop runs a service's pre_stop hooks in a running container before
// it is stopped. A hook that fails is reported and the stop goes on, as
// in Compose: the container must stop all the same.
func (b *Backend) preStop(ctx context.Context, svc *stack.Service, id, name string) {
	if svc == nil || len(svc.PreStop) == 0 {
		return
	}
	c, err := b.engine.ContainerInspect(ctx, id)
	if err != nil || !c.Running() {
		return // nothing runs to hook into
	}
	if err := b.runHooks(ctx, svc, "pre_stop", svc.PreStop, id, name); err != nil && !errors.Is(err, context.Canceled) {
		b.report("container "+name, "pre_stop failed", err.Error())
	}
}
