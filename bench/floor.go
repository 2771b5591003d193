package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// The floor: how long PostgreSQL itself takes from container start to
// accepting connections on an initialised data volume, with no tool in
// between. Cold up and crash recovery cannot beat it.
const (
	floorLabelValue = "pg-floor"
	floorTimeout    = 2 * time.Minute
	// floorStopGrace matches the stack's db, which stops on SIGINT (a fast,
	// clean shutdown) so the next start needs no crash recovery.
	floorStopGrace = 10 * time.Second
)

// floorNames are the floor's container and volume: named after the
// stackctl project, so benchmarks with other projects do not collide.
func (r *Runner) floorNames() (container, volume string) {
	return r.cfg.StackctlProject + "-pg-floor", r.cfg.StackctlProject + "-pg-floor-data"
}

func (r *Runner) floorResources() []resource {
	container, volume := r.floorNames()
	return []resource{
		{"container", container, floorLabel, floorLabelValue},
		{"volume", volume, floorLabel, floorLabelValue},
	}
}

// prepareFloor makes the floor's volume and runs initdb on it once, untimed.
func (r *Runner) prepareFloor(ctx context.Context) error {
	if err := r.removeFloor(ctx); err != nil {
		return err
	}
	_, volume := r.floorNames()
	if err := r.eng.VolumeCreate(ctx, volume, map[string]string{floorLabel: floorLabelValue}); err != nil {
		return fmt.Errorf("create the floor volume: %w", err)
	}
	_, err := r.startFloor(ctx, "exec")
	return err
}

// floorSample times one start of PostgreSQL on the initialised volume, polled
// by TCP from the host ("tcp") or by pg_isready inside it ("exec", as the
// crash scenario polls db).
func (r *Runner) floorSample(ctx context.Context, round int, probe string) error {
	took, err := r.startFloor(ctx, probe)
	if err != nil {
		return err
	}
	metric := metricFloorTCP
	if probe == "exec" {
		metric = metricFloorExec
	}
	r.record(Sample{Round: round, Tool: floorTool, Metric: metric, Value: took.Seconds(), Unit: unitSeconds})
	return nil
}

// startFloor creates and starts the floor container, waits until PostgreSQL
// accepts connections, and stops and removes it cleanly again. It returns the
// time from the start call to ready.
func (r *Runner) startFloor(ctx context.Context, probe string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, floorTimeout)
	defer cancel()
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	id, err := r.eng.ContainerCreate(ctx, r.floorSpec(port))
	if err != nil {
		return 0, fmt.Errorf("create the floor container: %w", err)
	}
	defer r.stopFloor(ctx, id)
	began := time.Now()
	if err := r.eng.ContainerStart(ctx, id); err != nil {
		return 0, fmt.Errorf("start the floor container: %w", err)
	}
	switch probe {
	case "tcp":
		err = waitPgTCP(ctx, "127.0.0.1:"+strconv.Itoa(port))
	default:
		err = waitPgExec(ctx, r.eng, id)
	}
	if err != nil {
		return 0, fmt.Errorf("floor: %w", err)
	}
	return time.Since(began), nil
}

func (r *Runner) floorSpec(port int) engine.ContainerSpec {
	container, volume := r.floorNames()
	return engine.ContainerSpec{
		Name:  container,
		Image: "postgres:15",
		Env:   []string{"POSTGRES_USER=appuser", "POSTGRES_PASSWORD=secret", "POSTGRES_DB=appdb"},
		Labels: map[string]string{
			floorLabel: floorLabelValue,
		},
		Mounts: []stack.Mount{{Type: stack.MountVolume, Source: volume, Target: "/var/lib/postgresql/data"}},
		// Only on the loopback interface: nothing else should reach it.
		Ports:       []stack.Port{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 5432, Protocol: "tcp"}},
		StopSignal:  "SIGINT",
		StopTimeout: floorStopGrace,
	}
}

// stopFloor shuts PostgreSQL down cleanly, then removes the container. It
// runs on its own deadline so a cancelled benchmark still removes it.
func (r *Runner) stopFloor(parent context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), floorStopGrace+30*time.Second)
	defer cancel()
	if err := r.eng.ContainerStop(ctx, id, floorStopGrace); err != nil && !errors.Is(err, engine.ErrNotFound) {
		r.logf("stop the floor container: %v", err)
	}
	if err := r.eng.ContainerRemove(ctx, id); err != nil && !errors.Is(err, engine.ErrNotFound) {
		r.logf("remove the floor container: %v", err)
	}
}

// removeFloor removes the floor's container and volume, if they are ours.
func (r *Runner) removeFloor(ctx context.Context) error {
	for _, res := range r.floorResources() {
		labels, exists, err := lookup(ctx, r.eng, res)
		if err != nil {
			return err
		}
		if !exists {
			continue
		}
		if labels[floorLabel] != floorLabelValue {
			return &NotOursError{Kind: res.kind, Name: res.name, Label: floorLabel, Want: floorLabelValue, Got: labels[floorLabel]}
		}
		if res.kind == "container" {
			err = r.eng.ContainerRemove(ctx, res.name)
		} else {
			err = r.eng.VolumeRemove(ctx, res.name)
		}
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove the floor %s: %w", res.kind, err)
		}
	}
	return nil
}
