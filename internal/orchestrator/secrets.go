package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// mountSecrets gives a container with secrets a volume at
// stack.SecretsDir to receive them (unnamed here: a replica's gets the
// project's name for it, a one-off's goes with it). A volume, because the
// engine's API writes into a created container only where it is writable,
// and a read-only root filesystem (the app's) is not; and because it works
// on a remote engine, where a file of this machine cannot be bound.
func mountSecrets(svc *stack.Service, spec *engine.ContainerSpec) {
	if len(svc.Secrets) > 0 {
		spec.Mounts = append(spec.Mounts, stack.Mount{Type: stack.MountVolume, Target: stack.SecretsDir})
	}
}

// writeSecrets writes the service's secrets into the created container.
// Their values are read here, at the last moment, and go nowhere else.
func (o *Orchestrator) writeSecrets(ctx context.Context, svc *stack.Service, id, name string) error {
	if len(svc.Secrets) == 0 {
		return nil
	}
	files := make(map[string][]byte, len(svc.Secrets))
	for _, s := range svc.Secrets {
		value, err := os.ReadFile(s.Source)
		if err != nil {
			return fmt.Errorf("service %s: read secret %s: %w", svc.Name, s.Name, err)
		}
		files[s.Target] = value
	}
	if err := o.engine.CopyFiles(ctx, id, stack.SecretsDir, files); err != nil {
		return fmt.Errorf("service %s: write secrets into container %s: %w", svc.Name, name, err)
	}
	return nil
}

// createWithSecrets creates the container and writes its secrets; a
// container that could not get them is removed.
func (r *dockerRun) createWithSecrets(ctx context.Context, svc *stack.Service, spec engine.ContainerSpec) (string, error) {
	id, err := r.o.engine.ContainerCreate(ctx, spec)
	if err != nil {
		return "", err
	}
	if err := r.o.writeSecrets(ctx, svc, id, spec.Name); err != nil {
		if rmErr := r.o.engine.ContainerRemove(context.WithoutCancel(ctx), id); rmErr != nil && !errors.Is(rmErr, engine.ErrNotFound) {
			err = errors.Join(err, rmErr)
		}
		return "", err
	}
	return id, nil
}
