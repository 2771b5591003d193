package docker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

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

// writeSecrets makes the volume and writes the service's secrets into it
// through the engine's API (a container made for that). Their values are
// read here, at the last moment, and go nowhere else.
func (b *Backend) writeSecrets(ctx context.Context, st *stack.Stack, svc *stack.Service, volume, holder string) (bool, error) {
	if len(svc.Secrets) == 0 {
		return false, nil
	}
	files, err := secretFiles(svc, b.apiSocketCredentials(ctx, svc))
	if err != nil {
		return false, err
	}
	made, err := b.ensureSecretsVolume(ctx, st, volume, holder)
	if err != nil {
		return false, err
	}
	return made, b.writeThroughWriter(ctx, svc, volume, files)
}

// secretFiles reads the values of the service's secrets, by target, with
// the owner and mode each reference asks for; credentials reads the
// docker CLI's registry credentials (use_api_socket).
func secretFiles(svc *stack.Service, credentials func() ([]byte, error)) (map[string]engine.File, error) {
	files := make(map[string]engine.File, len(svc.Secrets))
	for _, s := range svc.Secrets {
		value, err := secretValue(svc, s, credentials)
		if err != nil {
			return nil, err
		}
		files[s.Target] = ownedFile(value, s.Access)
	}
	return files, nil
}

// secretValue is the value of one of the service's secrets.
func secretValue(svc *stack.Service, s stack.Secret, credentials func() ([]byte, error)) ([]byte, error) {
	switch {
	case s.Credentials:
		return credentials()
	case s.Source == "":
		return s.Value, nil // from content: or environment:
	}
	value, err := os.ReadFile(s.Source)
	if err != nil {
		return nil, fmt.Errorf("service %s: read secret %s: %w", svc.Name, s.Name, err)
	}
	return value, nil
}

// apiSocketCredentials reads the docker CLI's registry credentials for a
// service with use_api_socket. The socket bound is the one of the
// engine's host: stackctl binds it only for an engine it reaches through
// a local unix socket, which is that host's own; Compose refuses a
// Windows engine, and so does this.
func (b *Backend) apiSocketCredentials(ctx context.Context, svc *stack.Service) func() ([]byte, error) {
	return func() ([]byte, error) {
		if !b.engine.IsLocal() {
			return nil, fmt.Errorf("service %s: use_api_socket: the engine is not reached through a local unix socket, so %s on its host may be another engine's or none; run stackctl on the engine's host", svc.Name, stack.APISocket)
		}
		platform, err := b.engine.Platform(ctx)
		if err != nil {
			return nil, fmt.Errorf("service %s: use_api_socket: %w", svc.Name, err)
		}
		if strings.HasPrefix(platform, "windows/") {
			return nil, fmt.Errorf("service %s: use_api_socket can't be used with a Windows Docker Engine", svc.Name)
		}
		creds, err := engine.RegistryCredentials(os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("service %s: use_api_socket: %w", svc.Name, err)
		}
		return creds, nil
	}
}

// ownedFile is content with the owner and mode of access.
func ownedFile(content []byte, access stack.FileAccess) engine.File {
	return engine.File{Content: content, UID: access.UID, GID: access.GID, Mode: int64(access.FileMode())}
}

// ensureSecretsVolume makes the project's volume of a container's secrets
// unless it is there; it reports whether it made it.
func (b *Backend) ensureSecretsVolume(ctx context.Context, st *stack.Stack, volume, holder string) (bool, error) {
	labels := volumeLabels(st, volume)
	labels[LabelUnnamedVolume] = holder + ":" + stack.SecretsDir
	return b.ensureOwned(st, resource{
		kind: "volume", name: volume,
		inspect: func() (map[string]string, error) {
			v, err := b.engine.VolumeInspect(ctx, volume)
			return v.Labels, err
		},
		create: func() error { return b.engine.VolumeCreate(ctx, volume, labels) },
	})
}

// writeThroughWriter writes the files into the volume through a container
// that mounts it writable and is never started.
func (b *Backend) writeThroughWriter(ctx context.Context, svc *stack.Service, volume string, files map[string]engine.File) error {
	if err := b.ensureEmptyImage(ctx); err != nil {
		return err
	}
	writer, err := b.engine.ContainerCreate(ctx, engine.ContainerSpec{
		Name: volume + "-writer", Image: emptyImage, Labels: map[string]string{labelEmpty: "secrets-writer"},
		Mounts: []stack.Mount{{Type: stack.MountVolume, Source: volume, Target: secretsWriterDir}},
	})
	if err != nil {
		return fmt.Errorf("service %s: write secrets: %w", svc.Name, err)
	}
	defer func() { _ = b.engine.ContainerRemove(context.WithoutCancel(ctx), writer) }()
	if err := b.engine.WriteFiles(ctx, writer, secretsWriterDir, files); err != nil {
		return fmt.Errorf("service %s: write secrets into volume %s: %w", svc.Name, volume, err)
	}
	return nil
}

// copiedConfigs are the service's configs from content: or environment:,
// by path below /, with their owner and mode; the others are bind-mounted.
func copiedConfigs(svc *stack.Service) map[string]engine.File {
	files := map[string]engine.File{}
	for _, f := range svc.Files {
		if f.Source == "" {
			files[strings.TrimPrefix(path.Clean(f.Target), "/")] = ownedFile(f.Value, f.Access)
		}
	}
	return files
}

// copyConfigs copies the service's configs from content: or environment:
// into a created container, as Compose copies them; the engine makes the
// directories they are in.
func (b *Backend) copyConfigs(ctx context.Context, svc *stack.Service, id string) error {
	files := copiedConfigs(svc)
	if len(files) == 0 {
		return nil
	}
	if err := b.engine.WriteFiles(ctx, id, "/", files); err != nil {
		return fmt.Errorf("service %s: copy configs: %w", svc.Name, err)
	}
	return nil
}

// removeVolume removes a volume that may already be gone.
func (b *Backend) removeVolume(ctx context.Context, name string) error {
	if err := b.engine.VolumeRemove(ctx, name); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	return nil
}
