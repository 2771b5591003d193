package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// A secrets volume that already holds what a container needs is not
// written again: a write goes through a container made for it, whose
// filesystem the engine mounts, on the way of every container's start.
// What a volume holds is recorded by a marker, an empty volume named after
// the secret files as they are on disk: path, size, inode, change and
// modification times, never what they contain. A file edited since has
// another stamp, and is written again.

// labelSecretsOf names the secrets volume a marker speaks for.
const labelSecretsOf = "io.stackctl.secrets-of"

// secretsStamp fingerprints the service's secret files as they are on
// disk.
func secretsStamp(svc *stack.Service, credentials func() ([]byte, error)) (string, error) {
	secrets := slices.Clone(svc.Secrets)
	slices.SortFunc(secrets, func(a, b stack.Secret) int { return strings.Compare(a.Target, b.Target) })
	h := sha256.New()
	for _, s := range secrets {
		// The owner and mode the file is written with are part of what
		// the volume holds.
		fmt.Fprintf(h, "%s\x00access\x00%d\x00%d\x00%o\n", s.Target, s.Access.UID, s.Access.GID, s.Access.FileMode())
		if s.Source == "" {
			// A value from content: or environment: (or the registry
			// credentials) is stamped by its digest: whoever reads the
			// marker's name can read the volume it speaks for.
			value, err := secretValue(svc, s, credentials)
			if err != nil {
				return "", err
			}
			sum := sha256.Sum256(value)
			fmt.Fprintf(h, "%s\x00value\x00%x\n", s.Target, sum)
			continue
		}
		fi, err := os.Stat(s.Source)
		if err != nil {
			return "", fmt.Errorf("service %s: read secret %s: %w", svc.Name, s.Name, err)
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d", s.Target, s.Source, fi.Size(), fi.ModTime().UnixNano())
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			fmt.Fprintf(h, "\x00%d\x00%d.%d", st.Ino, st.Ctim.Sec, st.Ctim.Nsec)
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// secretsMarker is the marker saying volume holds the secrets of stamp.
func secretsMarker(volume, stamp string) string { return volume + "-" + stamp }

// ensureSecrets makes sure the volume of a container that outlives this
// run holds the service's secrets as they are on disk, unless its marker
// says so already: written through the engine's API, then recorded.
func (b *Backend) ensureSecrets(ctx context.Context, st *stack.Stack, svc *stack.Service, volume, holder string) error {
	if len(svc.Secrets) == 0 {
		return nil
	}
	stamp, err := secretsStamp(svc, b.apiSocketCredentials(ctx, svc))
	if err != nil {
		return err
	}
	marker := secretsMarker(volume, stamp)
	if b.secretsCurrent(ctx, st, volume, marker) {
		return nil
	}
	if _, err := b.writeSecrets(ctx, st, svc, volume, holder); err != nil {
		return err
	}
	return b.recordSecrets(ctx, st, volume, marker, holder)
}

// secretsCurrent says the project's volume is there and its marker says it
// holds these secrets.
func (b *Backend) secretsCurrent(ctx context.Context, st *stack.Stack, volume, marker string) bool {
	v, err := b.engine.VolumeInspect(ctx, volume)
	if err != nil || v.Labels[stack.LabelProject] != st.ProjectName() {
		return false
	}
	_, err = b.engine.VolumeInspect(ctx, marker)
	return err == nil
}

// recordSecrets makes the marker of what volume now holds and removes the
// markers of what it held before. down -v removes markers with the
// volumes.
func (b *Backend) recordSecrets(ctx context.Context, st *stack.Stack, volume, marker, holder string) error {
	labels := volumeLabels(st, marker)
	labels[LabelUnnamedVolume] = holder + ":" + stack.SecretsDir + " (written)"
	labels[labelSecretsOf] = volume
	// A marker already there (its volume was removed by hand and made
	// again) says the same.
	if err := b.engine.VolumeCreate(ctx, marker, labels); err != nil && !errors.Is(err, engine.ErrConflict) {
		return fmt.Errorf("record the secrets written into volume %s: %w", volume, err)
	}
	old, err := b.engine.VolumeList(ctx, map[string]string{stack.LabelProject: st.Project, labelSecretsOf: volume})
	if err != nil {
		return fmt.Errorf("list the records of volume %s: %w", volume, err)
	}
	for _, v := range old {
		if v.Name == marker {
			continue
		}
		if err := b.engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove the old record %s of volume %s: %w", v.Name, volume, err)
		}
	}
	return nil
}
