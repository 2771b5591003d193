package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// resource is a network or volume of the stack, with the engine calls that
// inspect, create and remove it, so ensuring and removing share one path.
type resource struct {
	kind, name string
	// external resources are the user's: they must exist, and stackctl
	// neither creates nor removes them.
	external bool
	inspect  func() (labels map[string]string, err error)
	create   func() error
	remove   func() error
}

// networks are the stack's networks as engine resources.
func (b *Backend) networks(ctx context.Context, st *stack.Stack) []resource {
	out := make([]resource, 0, len(st.Networks))
	for _, n := range st.Networks {
		name := n.Name
		opts := networkOptions(st, n)
		out = append(out, resource{
			kind: "network", name: name, external: n.External,
			inspect: func() (map[string]string, error) { return b.oneNetwork(ctx, st, name) },
			create:  func() error { return b.engine.NetworkCreateWith(ctx, name, opts) },
			remove:  func() error { return b.engine.NetworkRemove(ctx, name) },
		})
	}
	return out
}

// volumes are the stack's named volumes as engine resources.
func (b *Backend) volumes(ctx context.Context, st *stack.Stack) []resource {
	out := make([]resource, 0, len(st.Volumes))
	for _, v := range st.Volumes {
		name := v.Name
		opts := volumeOptions(st, v)
		out = append(out, resource{
			kind: "volume", name: name, external: v.External,
			inspect: func() (map[string]string, error) {
				existing, err := b.engine.VolumeInspect(ctx, name)
				return existing.Labels, err
			},
			create: func() error {
				// Each volume made gets an identity of its own: the
				// engine's creation time of a volume follows its writes.
				id, err := randomHex(8)
				if err != nil {
					return err
				}
				opts.Labels[labelVolumeIncarnation] = id
				return b.engine.VolumeCreateWith(ctx, name, opts)
			},
			remove: func() error { return b.engine.VolumeRemove(ctx, name) },
		})
	}
	return out
}

// networkOptions are the network n of the stack as the engine makes it:
// the file's settings, with its labels and the project's.
func networkOptions(st *stack.Stack, n stack.Network) engine.NetworkOptions {
	labels := maps.Clone(n.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, st.ProjectLabels())
	labels[stack.LabelNetwork] = n.Key
	maps.Copy(labels, st.ComposeProjectLabels())
	labels[stack.LabelComposeNetwork] = n.Key
	if hash := st.ComposeNetworkHash(n.Key); hash != "" {
		labels[stack.LabelComposeConfigHash] = hash
	}
	return engine.NetworkOptions{
		Driver: n.Driver, Attachable: n.Attachable, Labels: labels, Internal: n.Internal,
		EnableIPv4: n.EnableIPv4, EnableIPv6: n.EnableIPv6, DriverOpts: n.DriverOpts, IPAM: n.IPAM,
	}
}

// volumeOptions are the named volume v of the stack as the engine makes
// it: its driver and options, with its labels and the project's.
func volumeOptions(st *stack.Stack, v stack.Volume) engine.VolumeOptions {
	labels := maps.Clone(v.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, volumeLabels(st, v.Key))
	labels[stack.LabelVolume] = v.Key
	if hash := st.ComposeVolumeHash(v.Key); hash != "" {
		labels[stack.LabelComposeConfigHash] = hash
	}
	return engine.VolumeOptions{Driver: v.Driver, DriverOpts: v.DriverOpts, Labels: labels}
}

// volumeLabels are the labels of a volume of the project: ours, and
// Compose's with key, the volume's key in the file. A volume stackctl
// makes that the file does not name (a replica's unnamed volume, its
// secrets, a marker) is keyed by its own name: Compose tells the project's
// volumes apart by that label, and `docker compose down -v` removes each.
func volumeLabels(st *stack.Stack, key string) map[string]string {
	labels := st.ProjectLabels()
	maps.Copy(labels, st.ComposeProjectLabels())
	labels[stack.LabelComposeVolume] = key
	return labels
}

// ensureResources creates the stack's networks and volumes that are missing,
// checks that those present are this project's, and reports whether it
// created any.
func (b *Backend) ensureResources(ctx context.Context, st *stack.Stack) (bool, error) {
	created := false
	for _, r := range append(b.networks(ctx, st), b.volumes(ctx, st)...) {
		made, err := b.ensureOwned(st, r)
		if err != nil {
			return false, err
		}
		created = created || made
	}
	return created, nil
}

// ensureOwned creates a missing resource, and refuses one that exists under
// the name without this project's label. It reports whether it created one.
func (b *Backend) ensureOwned(st *stack.Stack, r resource) (bool, error) {
	labels, err := r.inspect()
	switch {
	case r.external && errors.Is(err, engine.ErrNotFound):
		return false, fmt.Errorf("external %s %s does not exist: create it first, or drop external: true so the project makes it", r.kind, r.name)
	case r.external:
		return false, err
	case err == nil:
		if madeBy := madeByCompose(labels, st.Project); madeBy != "" {
			b.report(r.kind+" "+r.name, "kept", "made by "+madeBy+", taken over")
			return false, nil
		}
		if owner := labels[stack.LabelProject]; owner != st.ProjectName() {
			return false, &backend.NotOwnedError{Kind: r.kind, Name: r.name, Project: st.ProjectName(), Owner: owner}
		}
		return false, nil
	case !errors.Is(err, engine.ErrNotFound):
		return false, err
	}
	if err := r.create(); err != nil {
		return false, err
	}
	b.report(r.kind+" "+r.name, "created", "")
	return true, nil
}

// removeOwned removes a resource if it exists and is this project's; one
// that is someone else's is left alone and reported.
func (b *Backend) removeOwned(st *stack.Stack, r resource) error {
	if r.external {
		return nil
	}
	labels, err := r.inspect()
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil
	case err != nil:
		return err
	case labels[stack.LabelProject] != st.ProjectName() && madeByCompose(labels, st.Project) == "":
		b.report(r.kind+" "+r.name, "left alone", "not this project's")
		return nil
	}
	if err := r.remove(); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	b.report(r.kind+" "+r.name, "removed", "")
	return nil
}

// oneNetwork returns the labels of the network named name, first removing
// duplicates of it that the project owns: engines before API 1.44 let two
// runs create a name twice, and then every use of the name fails as
// ambiguous. The one containers are attached to (else the oldest) stays.
func (b *Backend) oneNetwork(ctx context.Context, st *stack.Stack, name string) (map[string]string, error) {
	list, err := b.engine.NetworkList(ctx, name)
	if err != nil {
		return nil, err
	}
	switch len(list) {
	case 0:
		return nil, fmt.Errorf("network %s: %w", name, engine.ErrNotFound)
	case 1:
		return list[0].Labels, nil
	}
	for _, n := range list {
		if n.Labels[stack.LabelProject] != st.Project {
			return nil, fmt.Errorf("network %s: %d networks share the name and %s is not project %s's; remove the one that should not be there by its ID", name, len(list), n.ID, st.Project)
		}
	}
	for i := range list {
		if n, err := b.engine.NetworkInspect(ctx, list[i].ID); err == nil {
			list[i].Containers = n.Containers
		}
	}
	slices.SortFunc(list, func(a, b engine.Network) int {
		return cmp.Or(cmp.Compare(b.Containers, a.Containers), a.Created.Compare(b.Created))
	})
	for _, extra := range list[1:] {
		if err := b.engine.NetworkRemove(ctx, extra.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return nil, fmt.Errorf("remove duplicate network %s (%s): %w", name, extra.ID, err)
		}
		b.report("network "+name, "repaired", "removed a duplicate, "+images.ShortID(extra.ID))
	}
	return list[0].Labels, nil
}
