package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// Run runs a one-off container of a service: the service's image,
// environment, mounts, networks and user, with its command (or another),
// none of its published ports and no restart policy; the services it
// depends on are the orchestrator's to bring up first. Its streams are
// opts.Stdio; Run returns once it has exited. It is named <project>-<service>-run-<6 hex> and
// labelled with its project, its service and as a one-off, so up leaves it
// alone and down removes it.
func (b *Backend) Run(ctx context.Context, st *stack.Stack, opts backend.RunOptions) (res backend.RunResult, err error) {
	svc, ok := st.Service(opts.Service)
	if !ok {
		return res, backend.UnknownService(st, opts.Service)
	}
	own := *st
	own.Services, own.Notices = []stack.Service{*svc}, nil
	imageIDs, _, err := b.images.Ensure(ctx, &own, false)
	if err != nil {
		return res, err
	}
	if _, err := b.ensureResources(ctx, st); err != nil {
		return res, err
	}

	suffix, err := randomHex(3)
	if err != nil {
		return res, err
	}
	res.Container = fmt.Sprintf("%s-%s-run-%s", st.Project, svc.Name, suffix)
	spec := oneOffSpec(st, svc, res.Container, imageIDs[svc.Image], opts)
	secrets := res.Container + "_run-secrets"
	if _, err := b.writeSecrets(ctx, st, svc, secrets, res.Container); err != nil {
		return res, err
	}
	if opts.Remove && len(svc.Secrets) > 0 {
		defer func() { err = errors.Join(err, b.removeVolume(context.WithoutCancel(ctx), secrets)) }()
	}
	mountSecrets(svc, secrets, &spec)
	id, err := b.engine.ContainerCreate(ctx, spec)
	if err != nil {
		return res, err
	}
	if err := b.copyConfigs(ctx, svc, id); err != nil {
		_ = b.engine.ContainerRemove(context.WithoutCancel(ctx), id)
		return res, err
	}
	if opts.Remove {
		defer func() {
			if rmErr := b.engine.ContainerRemove(context.WithoutCancel(ctx), id); rmErr != nil && !errors.Is(rmErr, engine.ErrNotFound) {
				err = errors.Join(err, rmErr)
			}
		}()
	}
	res.ExitCode, err = b.engine.ContainerRunAttached(ctx, id, opts.Stdio)
	if err != nil && ctx.Err() != nil && !opts.Remove {
		// Interrupted: the one-off ends with the command that ran it.
		if stopErr := b.engine.ContainerStop(context.WithoutCancel(ctx), id, gracePeriod(svc)); stopErr != nil && !errors.Is(stopErr, engine.ErrNotFound) {
			err = errors.Join(err, stopErr)
		}
	}
	return res, err
}

// oneOffSpec is the container of a one-off run of svc from imageID: its
// replicas' settings, without their published ports, restart policy and
// replica labels, with what opts override.
func oneOffSpec(st *stack.Stack, svc *stack.Service, name, imageID string, opts backend.RunOptions) engine.ContainerSpec {
	spec := containerSpec(st, svc, name, 0, "", imageID)
	for _, l := range []string{stack.LabelReplica, stack.LabelConfigHash, stack.LabelOneShot, stack.LabelBalances} {
		delete(spec.Labels, l)
	}
	spec.Labels[stack.LabelOneOff] = "true"
	spec.Ports = nil
	spec.Restart = stack.RestartPolicy{}
	if len(opts.Entrypoint) > 0 {
		spec.Entrypoint, spec.Cmd = opts.Entrypoint, nil
	}
	if len(opts.Cmd) > 0 {
		spec.Cmd = opts.Cmd
	}
	if opts.User != "" {
		spec.User = opts.User
	}
	if opts.WorkingDir != "" {
		spec.WorkingDir = opts.WorkingDir
	}
	spec.Env = overrideEnv(spec.Env, opts.Env)
	if !opts.UseAliases {
		// The one-off's own name only, as Compose's run.
		for i := range spec.Networks {
			spec.Networks[i].Aliases = []string{name}
		}
	}
	spec.Tty = opts.Stdio.TTY
	spec.OpenStdin = opts.Stdio.In != nil
	spec.StdinOnce = spec.OpenStdin
	return spec
}

// overrideEnv is env (KEY=VALUE) with the variables of extra set over it.
func overrideEnv(env, extra []string) []string {
	out := make([]string, 0, len(env)+len(extra))
	for _, kv := range env {
		key, _, _ := strings.Cut(kv, "=")
		overridden := false
		for _, x := range extra {
			if k, _, _ := strings.Cut(x, "="); k == key {
				overridden = true
				break
			}
		}
		if !overridden {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
