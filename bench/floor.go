package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/go-connections/nat"
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
	_, name := r.floorNames()
	if _, err := r.eng.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: map[string]string{floorLabel: floorLabelValue}}); err != nil {
		return fmt.Errorf("create the floor volume %s: %w", name, err)
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
	port, err := r.freePort()
	if err != nil {
		return 0, err
	}
	name, cfg, host := r.floorSpec(port)
	created, err := r.eng.ContainerCreate(ctx, cfg, host, nil, nil, name)
	if err != nil {
		return 0, fmt.Errorf("create the floor container: %w", err)
	}
	id := created.ID
	defer r.stopFloor(ctx, id)
	began := time.Now()
	if err := r.eng.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
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

// floorSpec is the floor container: PostgreSQL on the floor's volume,
// published on port of the loopback interface only (nothing else should
// reach it), stopped as the stack's db is.
func (r *Runner) floorSpec(port int) (string, *container.Config, *container.HostConfig) {
	name, volume := r.floorNames()
	pgPort := nat.Port("5432/tcp")
	stopSecs := int(floorStopGrace / time.Second)
	cfg := &container.Config{
		Image:        "postgres:15",
		Env:          []string{"POSTGRES_USER=appuser", "POSTGRES_PASSWORD=secret", "POSTGRES_DB=appdb"},
		Labels:       map[string]string{floorLabel: floorLabelValue},
		ExposedPorts: nat.PortSet{pgPort: {}},
		StopSignal:   "SIGINT",
		StopTimeout:  &stopSecs,
	}
	host := &container.HostConfig{
		Mounts:       []mount.Mount{{Type: mount.TypeVolume, Source: volume, Target: "/var/lib/postgresql/data"}},
		PortBindings: nat.PortMap{pgPort: {{HostIP: "127.0.0.1", HostPort: strconv.Itoa(port)}}},
	}
	return name, cfg, host
}

// stopFloor shuts PostgreSQL down cleanly, then removes the container. It
// runs on its own deadline so a cancelled benchmark still removes it.
func (r *Runner) stopFloor(parent context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), floorStopGrace+30*time.Second)
	defer cancel()
	stopSecs := int(floorStopGrace / time.Second)
	if err := r.eng.ContainerStop(ctx, id, container.StopOptions{Timeout: &stopSecs}); err != nil && !isNotFound(err) {
		r.logf("stop the floor container: %v", err)
	}
	if err := removeContainer(ctx, r.eng, id); err != nil && !isNotFound(err) {
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
			err = removeContainer(ctx, r.eng, res.name)
		} else {
			err = r.eng.VolumeRemove(ctx, res.name, false)
		}
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("remove the floor %s: %w", res.kind, err)
		}
	}
	return nil
}
