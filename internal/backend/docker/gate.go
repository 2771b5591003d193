package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"sync"
	"syscall"

	"github.com/stackctl/stackctl/internal/backend/incontainer"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/orchestrator"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/startgate"
)

// A service's new container starts held by a start gate while its
// dependencies are still starting (internal/startgate), and is released
// once they are ready: the engine's part of a start, about 0.25-0.4 s on
// the way to the first request, overlaps the dependencies' own start. The
// gate is the stackctl binary, in a volume of the project's that every
// gated container mounts read-only; the markers that release the gates
// are in a second volume, mounted writable (for the engine's API) but
// owned by root. Both go with down -v, as the volumes stackctl names do.

// labelGate holds a gated container's token: the name of its marker.
const labelGate = "io.stackctl.gate"

// heldState is the state Observe gives a gated container that runs but was
// never released: reconcile starts it, once its dependencies are ready.
const heldState = "held"

// gateWriterDir is where the container that writes the binary mounts its
// volume: the gated containers mount it read-only.
const gateWriterDir = "/gate"

// WithStartGate lets the backend start a service's containers while its
// dependencies are still starting, held by binary: a stackctl built
// without cgo, which runs `stackctl hold`. Without it, or when the engine
// cannot run binary, a container starts once its dependencies are ready.
func WithStartGate(binary string) Option {
	return func(b *Backend) { b.gate = &startGate{path: binary} }
}

// startGate is the binary that holds containers, as this backend ships it.
type startGate struct {
	path string
	// checked is done once: whether the engine can run the binary (err),
	// and the stamp that names its volume.
	checked sync.Once
	stamp   string
	size    int64
	err     error
	// writing serializes making the volumes and writing the binary.
	writing sync.Mutex
}

// usable says whether the gate can hold containers on b's engine.
func (g *startGate) usable(ctx context.Context, eng Engine) bool {
	g.checked.Do(func() {
		fi, err := os.Stat(g.path)
		if err != nil {
			g.err = err
			return
		}
		if g.err = incontainer.Check(ctx, eng, g.path); g.err != nil {
			return
		}
		g.size = fi.Size()
		// A new build is a new file: its own volume, never a mix.
		g.stamp = fmt.Sprintf("%x", fi.ModTime().UnixNano())
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			g.stamp = fmt.Sprintf("%x-%x", st.Ino, fi.ModTime().UnixNano())
		}
	})
	return g.err == nil
}

// holds says whether a new container of svc starts held: it has
// dependencies to wait for, and is no load balancer (whose configuration
// is written before it starts).
func (b *Backend) holds(ctx context.Context, svc *stack.Service) bool {
	return b.gate != nil && len(svc.DependsOn) > 0 && svc.LoadBalancer == nil && b.gate.usable(ctx, b.engine)
}

// volumes are the names of the project's volume of the binary and of its
// markers.
func (g *startGate) volumes(st *stack.Stack) (binary, markers string) {
	return st.Project + "_stackctl-gate-" + g.stamp, gateMarkersVolume(st)
}

// gateMarkersVolume is the volume of the project's gate markers. Down
// removes it with the containers whose gates they opened, so that markers
// do not pile up; the binary's volume stays for the next up, as the
// volumes stackctl names do.
func gateMarkersVolume(st *stack.Stack) string { return st.Project + "_stackctl-gate-markers" }

// gateMarkers is the markers volume as a resource of the project's.
func (b *Backend) gateMarkers(ctx context.Context, st *stack.Stack) resource {
	name := gateMarkersVolume(st)
	return resource{
		kind: "volume", name: name,
		inspect: func() (map[string]string, error) {
			v, err := b.engine.VolumeInspect(ctx, name)
			return v.Labels, err
		},
		remove: func() error { return b.engine.VolumeRemove(ctx, name) },
	}
}

// holdSpec makes spec a gated container's: the gate runs first, with the
// service's command (as the engine would resolve it from the image) after
// it. It returns the gate's token. img is the spec's image.
func (b *Backend) holdSpec(ctx context.Context, st *stack.Stack, svc *stack.Service, img engine.Image, spec *engine.ContainerSpec) (string, error) {
	argv := commandOf(spec.Entrypoint, spec.Cmd, img)
	if len(argv) == 0 {
		return "", fmt.Errorf("service %s: no command to run: neither the service nor image %s has an entrypoint or a command", svc.Name, spec.Image)
	}
	binary, markers, err := b.ensureGateVolumes(ctx, st)
	if err != nil {
		return "", fmt.Errorf("service %s: start gate: %w", svc.Name, err)
	}
	token, err := randomHex(12)
	if err != nil {
		return "", err
	}
	spec.Entrypoint, spec.Cmd = startgate.Entrypoint(token), argv
	spec.Labels = maps.Clone(spec.Labels)
	spec.Labels[labelGate] = token
	spec.Mounts = append(spec.Mounts,
		stack.Mount{Type: stack.MountVolume, Source: binary, Target: startgate.BinaryDir, ReadOnly: true},
		stack.Mount{Type: stack.MountVolume, Source: markers, Target: startgate.MarkerDir})
	return token, nil
}

// commandOf is what a container runs: the entrypoint and command it was
// given, else the image's. A given entrypoint drops the image's command,
// as with the engine.
func commandOf(entrypoint, cmd []string, img engine.Image) []string {
	if entrypoint == nil {
		entrypoint = img.Entrypoint
		if cmd == nil {
			cmd = img.Cmd
		}
	}
	return append(append([]string{}, entrypoint...), cmd...)
}

// ensureGateVolumes makes the project's gate volumes. A new binary's
// volume replaces those of older binaries that no container uses.
func (b *Backend) ensureGateVolumes(ctx context.Context, st *stack.Stack) (binary, markers string, err error) {
	binary, markers = b.gate.volumes(st)
	b.gate.writing.Lock()
	defer b.gate.writing.Unlock()
	for _, v := range []struct{ name, path string }{{binary, startgate.BinaryDir}, {markers, startgate.MarkerDir}} {
		labels := st.ProjectLabels()
		labels[LabelUnnamedVolume] = gateVolumeRole + v.path
		made, err := b.ensureOwned(st, resource{
			kind: "volume", name: v.name,
			inspect: func() (map[string]string, error) {
				got, err := b.engine.VolumeInspect(ctx, v.name)
				return got.Labels, err
			},
			create: func() error { return b.engine.VolumeCreate(ctx, v.name, labels) },
		})
		if err != nil {
			return "", "", err
		}
		if made && v.path == startgate.BinaryDir {
			b.removeOlderGates(ctx, st, binary)
		}
	}
	return binary, markers, nil
}

// gateVolumeRole prefixes what LabelUnnamedVolume says of a gate volume.
const gateVolumeRole = "gate:"

// removeOlderGates removes the project's volumes of other gate binaries;
// one that a container still uses stays, until down -v.
func (b *Backend) removeOlderGates(ctx context.Context, st *stack.Stack, current string) {
	list, err := b.engine.VolumeList(ctx, st.ProjectLabels())
	if err != nil {
		return
	}
	for _, v := range list {
		if v.Name != current && v.Labels[LabelUnnamedVolume] == gateVolumeRole+startgate.BinaryDir {
			if b.engine.VolumeRemove(ctx, v.Name) == nil {
				b.report("volume "+v.Name, "removed", "the start gate of an older stackctl")
			}
		}
	}
}

// ensureGateBinary writes the binary into its volume unless the gated
// container id already sees all of it there: a write cut short is written
// again. On an engine on this machine it is copied into the volume's
// directory (see hostfiles.go), where the engine's archive API took 0.2
// to 0.3 s of the engine's CPU to unpack its 20 MB on every first up.
func (b *Backend) ensureGateBinary(ctx context.Context, st *stack.Stack, id string) error {
	b.gate.writing.Lock()
	defer b.gate.writing.Unlock()
	size, err := b.engine.PathSize(ctx, id, startgate.Binary)
	if err == nil && size == b.gate.size {
		return nil
	}
	if err != nil && !errors.Is(err, engine.ErrNotFound) {
		return err
	}
	volume, _ := b.gate.volumes(st)
	b.report("volume "+volume, "writing", "the start gate, from "+b.gate.path)
	if dir, ok := b.hostDir(ctx, volume); ok {
		if undo, err := copyOnHost(dir, path.Base(startgate.Binary), b.gate.path, 0o755); err == nil {
			if b.seenAs(ctx, id, startgate.Binary, b.gate.size) {
				return nil
			}
			undo()
		}
	}
	if err := b.ensureEmptyImage(ctx); err != nil {
		return err
	}
	writer, err := b.engine.ContainerCreate(ctx, engine.ContainerSpec{
		Name: volume + "-writer", Image: emptyImage, Labels: map[string]string{labelEmpty: "gate-writer"},
		Mounts: []stack.Mount{{Type: stack.MountVolume, Source: volume, Target: gateWriterDir}},
	})
	if err != nil {
		return fmt.Errorf("write the start gate into volume %s: %w", volume, err)
	}
	defer func() { _ = b.engine.ContainerRemove(context.WithoutCancel(ctx), writer) }()
	if err := b.engine.CopyProgram(ctx, writer, gateWriterDir, "stackctl", b.gate.path); err != nil {
		return fmt.Errorf("write the start gate into volume %s: %w", volume, err)
	}
	return nil
}

// maxHeldStarts is how many services' containers start held at once in a
// run. A held start pays only while the engine has time to spare, as it
// has while PostgreSQL boots; one container start is about 0.25 s of the
// engine's CPU, so many at once only delay the starts and checks the
// dependencies are waiting on (40 held at once made a chain of 20 redis
// services 40% slower to come up). A service that finds no slot starts
// when its dependencies are ready, as without a gate.
const maxHeldStarts = 2

// takeHoldSlot takes a slot for a held start if one is free, without
// waiting.
func (r *dockerRun) takeHoldSlot() bool {
	select {
	case r.holdSlots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (r *dockerRun) returnHoldSlot() { <-r.holdSlots }

// startHeld starts a gated container, which holds the service's command.
// The container is Abandon's from here on: a start that the run's end cuts
// short may still happen on the engine.
func (r *dockerRun) startHeld(ctx context.Context, plan orchestrator.ServicePlan, id, name string) error {
	r.mu.Lock()
	r.held[id] = name
	r.mu.Unlock()
	if err := r.b.ensureGateBinary(ctx, r.st, id); err != nil {
		return fmt.Errorf("service %s: container %s: %w", plan.Service.Name, name, err)
	}
	if err := r.b.engineStart(ctx, plan.Service, id, name); err != nil {
		return err
	}
	r.b.report("container "+name, heldState, "until its dependencies are ready")
	return nil
}

// release opens a gated container's gate: its command runs.
func (r *dockerRun) release(ctx context.Context, id, name string) error {
	token, ok := r.b.gateTokens.Load(id)
	if !ok {
		return fmt.Errorf("container %s: released, but it has no start gate", name)
	}
	if err := r.b.openGate(ctx, r.st, id, name, token.(string)); err != nil {
		return err
	}
	r.b.report("container "+name, "started", "")
	r.mu.Lock()
	delete(r.held, id)
	r.mu.Unlock()
	return nil
}

// Abandon removes the containers this run started held and never
// released: their commands never ran, so nothing of theirs is lost, and a
// run that failed or was interrupted leaves nothing running that its
// dependencies did not let run. The next up makes them again.
func (r *dockerRun) Abandon(ctx context.Context) error {
	r.mu.Lock()
	held := maps.Clone(r.held)
	r.mu.Unlock()
	ids := slices.Collect(maps.Keys(held))
	return forEach(ids, func(id string) error {
		name := held[id]
		if err := r.b.engine.ContainerRemove(ctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("container %s: remove it, held and never released: %w", name, err)
		}
		r.b.report("container "+name, "removed", "held at its start gate, never released")
		return nil
	})
}

// releaseIfHeld opens the gate of a container that an up left held; a
// container without a gate, or whose gate is open, is left as it is.
func (b *Backend) releaseIfHeld(ctx context.Context, st *stack.Stack, id, name string) error {
	c, err := b.engine.ContainerInspect(ctx, id)
	if err != nil {
		return err
	}
	token := c.Labels[labelGate]
	if token == "" {
		return nil
	}
	closed, err := gateClosed(ctx, b.engine, id, token)
	if err != nil {
		return fmt.Errorf("container %s: look at its start gate: %w", name, err)
	}
	if !closed {
		return nil
	}
	if err := b.openGate(ctx, st, id, name, token); err != nil {
		return err
	}
	b.report("container "+name, "started", "released from its start gate")
	return nil
}

// gateClosed says the container's gate of token was never opened: its
// marker is missing.
func gateClosed(ctx context.Context, eng Engine, id, token string) (bool, error) {
	_, err := eng.PathSize(ctx, id, startgate.Marker(token))
	if errors.Is(err, engine.ErrNotFound) {
		return true, nil
	}
	return false, err
}

// observeHeld marks the running gated containers that were never
// released: an earlier up ended before their dependencies were ready. A
// container the engine finds healthy runs its service, as a held one does
// not; each other one is asked for its marker (a HEAD of the engine's
// archive API, about 1.5 ms, where listing the markers costs 55).
func (b *Backend) observeHeld(ctx context.Context, obs orchestrator.Observed, tokens map[string]string) error {
	var mu sync.Mutex
	var held []string
	err := forEach(slices.Collect(maps.Keys(tokens)), func(name string) error {
		in := obs.Instances[name]
		if in.Healthy {
			return nil
		}
		closed, err := gateClosed(ctx, b.engine, in.ID, tokens[name])
		if err != nil {
			return fmt.Errorf("container %s: look at its start gate: %w", name, err)
		}
		if closed {
			mu.Lock()
			held = append(held, name)
			mu.Unlock()
		}
		return nil
	})
	for _, name := range held {
		in := obs.Instances[name]
		in.State = heldState
		obs.Instances[name] = in
	}
	return err
}
