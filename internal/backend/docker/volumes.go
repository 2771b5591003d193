package docker

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/walk"
)

// LabelUnnamedVolume marks a volume stackctl named for a path that would
// otherwise get an anonymous one: the replica and path it holds.
const LabelUnnamedVolume = "io.stackctl.unnamed-volume"

// nameUnnamedVolumes gives a replica's unnamed volumes names of the
// project's: an anonymous volume of the file, or a path its image declares
// with VOLUME and no mount covers (redis:7's /data). An anonymous volume
// is new with every container and left behind by every down; a named one
// keeps the replica's data when its container is replaced and across
// down/up, as a named volume does, and goes with down -v. img is the
// spec's image.
func (r *dockerRun) nameUnnamedVolumes(ctx context.Context, svc *stack.Service, replica int, img engine.Image, spec *engine.ContainerSpec) error {
	covered := func(target string) bool {
		return slices.ContainsFunc(spec.Mounts, func(m stack.Mount) bool { return path.Clean(m.Target) == path.Clean(target) })
	}
	for _, p := range img.Volumes {
		if !covered(p) {
			spec.Mounts = append(spec.Mounts, stack.Mount{Type: stack.MountVolume, Target: p})
		}
	}
	for i, m := range spec.Mounts {
		if m.Type != stack.MountVolume || m.Source != "" {
			continue
		}
		name := unnamedVolumeName(r.st, svc, replica, m.Target)
		labels := volumeLabels(r.st, name)
		labels[LabelUnnamedVolume] = fmt.Sprintf("%s-%d:%s", svc.Name, replica, m.Target)
		res := resource{
			kind: "volume", name: name,
			inspect: func() (map[string]string, error) {
				v, err := r.b.engine.VolumeInspect(ctx, name)
				return v.Labels, err
			},
			create: func() error { return r.b.engine.VolumeCreate(ctx, name, labels) },
		}
		if _, err := r.b.ensureOwned(r.st, res); err != nil {
			return err
		}
		spec.Mounts[i].Source = name
	}
	return nil
}

var volumeNameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// unnamedVolumeName is <project>_<service>-<replica>_<path>, the path made
// a name: stackctl_cache-1_data for redis's /data.
func unnamedVolumeName(st *stack.Stack, svc *stack.Service, replica int, target string) string {
	p := volumeNameUnsafe.ReplaceAllString(strings.Trim(path.Clean(target), "/"), "-")
	return fmt.Sprintf("%s_%s-%d_%s", st.Project, svc.Name, replica, p)
}

// removeUnnamedVolumes removes the volumes stackctl named for the
// project's unnamed ones (down -v).
func (b *Backend) removeUnnamedVolumes(ctx context.Context, st *stack.Stack) error {
	labels := st.ProjectLabels()
	list, err := b.engine.VolumeList(ctx, labels)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(v engine.Volume) bool { _, ok := v.Labels[LabelUnnamedVolume]; return !ok })
	return walk.Each(list, func(v engine.Volume) error {
		if err := b.engine.VolumeRemove(ctx, v.Name); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return err
		}
		b.report("volume "+v.Name, "removed", "")
		return nil
	})
}
