package docker

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A container's secrets live in a volume of the project's, mounted
// read-only at stack.SecretsDir. They are written into it through the
// engine's API by a container that is created for that and never started:
// the API writes only where a container mounts writably, and the service's
// own mount is read-only. This works on a remote engine, where a file of
// this machine cannot be bound, and with a read-only root filesystem.
const secretsWriterDir = "/secrets"

// mountSecrets mounts the volume that holds a container's secrets.
func mountSecrets(svc *stack.Service, volume string, spec *engine.ContainerSpec) {
	if len(svc.Secrets) > 0 {
		spec.Mounts = append(spec.Mounts, stack.Mount{Type: stack.MountVolume, Source: volume, Target: stack.SecretsDir, ReadOnly: true})
	}
}

// writeSecrets makes the volume and writes the service's secrets into it.
// Their values are read here, at the last moment, and go nowhere else.
func (b *Backend) writeSecrets(ctx context.Context, st *stack.Stack, svc *stack.Service, volume, holder string) (bool, error) {
	if len(svc.Secrets) == 0 {
		return false, nil
	}
	files := make(map[string][]byte, len(svc.Secrets))
	for _, s := range svc.Secrets {
		value, err := os.ReadFile(s.Source)
		if err != nil {
			return false, fmt.Errorf("service %s: read secret %s: %w", svc.Name, s.Name, err)
		}
		files[s.Target] = value
	}
	labels := st.ProjectLabels()
	labels[LabelUnnamedVolume] = holder + ":" + stack.SecretsDir
	made, err := b.ensureOwned(st, resource{
		kind: "volume", name: volume,
		inspect: func() (map[string]string, error) {
			v, err := b.engine.VolumeInspect(ctx, volume)
			return v.Labels, err
		},
		create: func() error { return b.engine.VolumeCreate(ctx, volume, labels) },
	})
	if err != nil {
		return false, err
	}
	if err := b.ensureEmptyImage(ctx); err != nil {
		return false, err
	}
	writer, err := b.engine.ContainerCreate(ctx, engine.ContainerSpec{
		Name: volume + "-writer", Image: emptyImage, Labels: map[string]string{labelEmpty: "secrets-writer"},
		Mounts: []stack.Mount{{Type: stack.MountVolume, Source: volume, Target: secretsWriterDir}},
	})
	if err != nil {
		return false, fmt.Errorf("service %s: write secrets: %w", svc.Name, err)
	}
	defer func() { _ = b.engine.ContainerRemove(context.WithoutCancel(ctx), writer) }()
	if err := b.engine.CopyFiles(ctx, writer, secretsWriterDir, files); err != nil {
		return false, fmt.Errorf("service %s: write secrets into volume %s: %w", svc.Name, volume, err)
	}
	return made, nil
}

// removeVolume removes a volume that may already be gone.
func (b *Backend) removeVolume(ctx context.Context, name string) error {
	if err := b.engine.VolumeRemove(ctx, name); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return nil
}
