package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
)

// fakeEngine is an in-memory Engine. It behaves like the real one where the
// orchestrator relies on it (name conflicts, not-found errors, restart
// policies, health) and logs every call that does something, in order:
// "pull redis:7", "build stackctl-app:latest", "create network app-network",
// "create stackctl-web-1", "start stackctl-db-1", "exec stackctl-db-1 fail",
// "exit stackctl-migrate-1 0", "stop stackctl-web-1", "remove stackctl-web-1". A call's position
// in the log is its sequence number.
//
// Tests shape how containers behave, by container name, before calling Up:
// what happens when one starts (onStart), what its probes answer (probes),
// whether its start fails (startErr), and what it logged (logs).
type fakeEngine struct {
	mu     sync.Mutex
	local  bool // IsLocal's answer
	events []string
	// at holds when each event happened (fake time under synctest).
	at []time.Time

	images   map[string]engine.Image // present, by reference
	registry map[string]engine.Image // what ImagePull can fetch
	builds   []engine.BuildSpec
	buildErr error // every build fails with it when set

	networks   map[string]map[string]string // labels by name
	volumes    map[string]map[string]string // labels by name
	containers map[string]*fakeContainer    // by name
	nextID     int
	// created holds the spec of every container created, in order, also
	// of those removed since.
	created []engine.ContainerSpec
	// made holds the images ImageCreate made, by reference.
	made map[string]madeImage
	// imageCreates counts ImageCreate's calls by reference; each takes
	// imageCreateTakes (fake time), as an import takes the engine a while.
	imageCreates     map[string]int
	imageCreateTakes time.Duration

	// onStart replaces the default start behaviour, which is: running, with
	// health "starting" when a healthcheck is set; a one-shot exits 0 at once.
	onStart  map[string]func(*engine.Container)
	probes   map[string]probeScript // default: every probe passes
	startErr map[string]error
	// createErr fails the create of the named containers.
	createErr map[string]error
	// inspected counts ContainerInspect calls, by container name.
	inspected map[string]int
	// startErrOnce fails the next start under the name, once.
	startErrOnce map[string]error
	logs         map[string][]string
	// releasing holds the inspects of an exited container until the
	// channel closes, as the engine does while it releases the container,
	// by name.
	releasing map[string]chan struct{}
	// deathWatchers are ContainerDeaths' channels, by container ID.
	deathWatchers map[string][]chan int
	// stopTakes is how long every container's process takes to end on a
	// stop, and releaseTakes how long the engine then takes to release
	// its network and mounts before the stop returns.
	stopTakes, releaseTakes time.Duration
}

// madeImage is an image ImageCreate made: just files, and an entrypoint.
type madeImage struct {
	files      []engine.ImageFile
	entrypoint []string
}

// fakeContainer is a container as the fake engine keeps it.
type fakeContainer struct {
	engine.Container
	spec   engine.ContainerSpec
	probed int                    // exec probes run so far
	files  map[string][]byte      // copied in, by path
	access map[string]engine.File // owner and mode of files written with WriteFiles, by path
}

// probeScript answers a container's n-th (0-based) exec probe.
type probeScript func(n int) engine.ExecResult

// newFakeEngine returns an engine with the stack's registry images already
// present, as after scripts/images.sh, and nothing else.
func newFakeEngine() *fakeEngine {
	return &fakeEngine{
		images: map[string]engine.Image{
			"postgres:15": {ID: "sha256:postgres15"},
			"redis:7":     {ID: "sha256:redis7"},
		},
		registry:     map[string]engine.Image{},
		networks:     map[string]map[string]string{},
		volumes:      map[string]map[string]string{},
		containers:   map[string]*fakeContainer{},
		onStart:      map[string]func(*engine.Container){},
		startErrOnce: map[string]error{},
		inspected:    map[string]int{},
		probes:       map[string]probeScript{},
		startErr:     map[string]error{},
		logs:         map[string][]string{},
	}
}

// failingProbes fails the first n probes with output, then passes.
func failingProbes(n int, output string) probeScript {
	return func(i int) engine.ExecResult {
		if i < n {
			return engine.ExecResult{ExitCode: 1, Output: output}
		}
		return engine.ExecResult{Output: "ok"}
	}
}

// neverPasses fails every probe with output.
func neverPasses(output string) probeScript {
	return func(int) engine.ExecResult { return engine.ExecResult{ExitCode: 1, Output: output} }
}

// exitWith makes a container exit with code, as a one-shot does.
func exitWith(code int) func(*engine.Container) {
	return func(c *engine.Container) {
		c.Status, c.ExitCode, c.Health = "exited", code, ""
		c.FinishedAt = time.Now()
	}
}

// exitForGood makes a container exit with code after the engine has used up
// its on-failure retries, so nothing restarts it.
func exitForGood(code int) func(*engine.Container) {
	return func(c *engine.Container) {
		exitWith(code)(c)
		c.RestartCount = c.Restart.MaxRetries
	}
}

// keepRunning leaves a started container running: a one-shot that has not
// finished yet.
func keepRunning(*engine.Container) {}

// Events returns a copy of the event log.
func (f *fakeEngine) Events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

// has reports whether event happened.
func (f *fakeEngine) has(event string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.events, event)
}

// count says how many times event happened.
func (f *fakeEngine) count(event string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, e := range f.events {
		if e == event {
			n++
		}
	}
	return n
}

// exit makes a running container exit with code, as if its process ended.
func (f *fakeEngine) exit(name string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apply(f.containers[name], exitWith(code))
}

// set changes a container behind the orchestrator's back (a manual
// `docker stop`, a crash) without logging an event.
func (f *fakeEngine) set(name string, change func(*engine.Container)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(&f.containers[name].Container)
}

// createdAs returns the specs of the containers created under name, in
// order, including those removed since.
func (f *fakeEngine) createdAs(name string) []engine.ContainerSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.ContainerSpec
	for _, spec := range f.created {
		if spec.Name == name {
			out = append(out, spec)
		}
	}
	return out
}

// exists reports whether a container with the name is on the engine.
func (f *fakeEngine) exists(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.containers[name] != nil
}

// addContainer puts a container on the engine directly: someone else's, or
// one left from an earlier run.
func (f *fakeEngine) addContainer(name, status string, labels map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.containers[name] = &fakeContainer{Container: engine.Container{
		ID: f.newID(name), Name: name, Status: status, Labels: labels,
	}}
}

// newID is a fresh 64-hex-digit container ID; callers hold f.mu.
func (f *fakeEngine) newID(name string) string {
	f.nextID++
	sum := sha256.Sum256(fmt.Appendf(nil, "%d %s", f.nextID, name))
	return hex.EncodeToString(sum[:])
}

func (f *fakeEngine) record(format string, args ...any) {
	f.events = append(f.events, fmt.Sprintf(format, args...))
	f.at = append(f.at, time.Now())
}

// when returns the time of the first event that equals event.
func (f *fakeEngine) when(event string) (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.Index(f.events, event)
	if i < 0 {
		return time.Time{}, false
	}
	return f.at[i], true
}

// apply runs a behaviour on a container and logs the exit it caused.
func (f *fakeEngine) apply(c *fakeContainer, behave func(*engine.Container)) {
	wasRunning := c.Running()
	behave(&c.Container)
	if wasRunning && c.Status == "exited" {
		f.record("exit %s %d", c.Name, c.ExitCode)
		f.tellDeath(c)
	}
}

// tellDeath tells the container's death watchers its exit code; callers
// hold f.mu.
func (f *fakeEngine) tellDeath(c *fakeContainer) {
	for _, w := range f.deathWatchers[c.ID] {
		select {
		case w <- c.ExitCode:
		default:
		}
	}
}

// ContainerDeaths tells the exit code of each exit of the container from
// now on.
func (f *fakeEngine) ContainerDeaths(ctx context.Context, ref string) <-chan int {
	out := make(chan int, 16)
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.find(ref)
	if err != nil {
		close(out)
		return out
	}
	if f.deathWatchers == nil {
		f.deathWatchers = map[string][]chan int{}
	}
	f.deathWatchers[c.ID] = append(f.deathWatchers[c.ID], out)
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.deathWatchers[c.ID] = slices.DeleteFunc(f.deathWatchers[c.ID], func(w chan int) bool { return w == out })
		close(out)
	}()
	return out
}

// find resolves a container by ID or name; callers hold f.mu.
// onContainer runs fn on the container ref under the lock, unless ctx is
// already done.
func (f *fakeEngine) onContainer(ctx context.Context, ref string, fn func(*fakeContainer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.find(ref)
	if err != nil {
		return err
	}
	return fn(c)
}

func (f *fakeEngine) find(ref string) (*fakeContainer, error) {
	if c, ok := f.containers[ref]; ok {
		return c, nil
	}
	for _, c := range f.containers {
		if c.ID == ref {
			return c, nil
		}
	}
	return nil, fmt.Errorf("no such container %s: %w", ref, engine.ErrNotFound)
}

func (f *fakeEngine) ImageInspect(ctx context.Context, ref string) (engine.Image, error) {
	if err := ctx.Err(); err != nil {
		return engine.Image{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[ref]
	if !ok {
		return engine.Image{}, fmt.Errorf("no such image %s: %w", ref, engine.ErrNotFound)
	}
	return engine.Image{ID: img.ID, Labels: maps.Clone(img.Labels)}, nil
}

func (f *fakeEngine) ImagePull(ctx context.Context, ref string, _ func(string)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("pull %s", ref)
	img, ok := f.registry[ref]
	if !ok {
		return fmt.Errorf("pull image %s: dial tcp: lookup registry-1.docker.io: no such host", ref)
	}
	f.images[ref] = img
	return nil
}

// BoundBuildCache has nothing to do: the fake keeps no build cache.
func (f *fakeEngine) BoundBuildCache(context.Context, int64) (uint64, error) { return 0, nil }

// ImageBuild tags an image whose ID follows from the build's labels (the
// context digest among them), so an unchanged context builds the same ID.
func (f *fakeEngine) ImageBuild(ctx context.Context, spec engine.BuildSpec, _ func(engine.BuildEvent)) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("build %s", spec.Tag)
	f.builds = append(f.builds, spec)
	if f.buildErr != nil {
		return "", f.buildErr
	}
	sum := sha256.Sum256([]byte(spec.Tag + "\x00" + spec.Labels[stack.LabelContextHash]))
	id := "sha256:" + hex.EncodeToString(sum[:])
	f.images[spec.Tag] = engine.Image{ID: id, Labels: maps.Clone(spec.Labels)}
	return id, nil
}

// ImageTag names the image source also target.
func (f *fakeEngine) ImageTag(_ context.Context, source, target string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[source]
	if !ok {
		return fmt.Errorf("tag image %s: %w", source, engine.ErrNotFound)
	}
	f.images[target] = img
	return nil
}

// ImageRemove forgets the name ref.
func (f *fakeEngine) ImageRemove(_ context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.images[ref]; !ok {
		return fmt.Errorf("remove image %s: %w", ref, engine.ErrNotFound)
	}
	f.record("image-remove %s", ref)
	delete(f.images, ref)
	return nil
}

func (f *fakeEngine) NetworkInspect(ctx context.Context, name string) (engine.Network, error) {
	labels, err := f.inspectResource(ctx, f.networks, "network", name)
	return engine.Network{ID: "net-" + name, Name: name, Labels: labels}, err
}

func (f *fakeEngine) NetworkList(ctx context.Context, name string) ([]engine.Network, error) {
	labels, err := f.inspectResource(ctx, f.networks, "network", name)
	if errors.Is(err, engine.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []engine.Network{{ID: name, Name: name, Labels: labels}}, nil
}

// ImageCreate keeps the image's files and entrypoint in made.
func (f *fakeEngine) ImageCreate(_ context.Context, ref string, files []engine.ImageFile, labels map[string]string, entrypoint []string) error {
	time.Sleep(f.imageCreateTakes)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.imageCreates == nil {
		f.imageCreates = map[string]int{}
	}
	f.imageCreates[ref]++
	f.images[ref] = engine.Image{ID: "sha256:" + ref, Labels: labels}
	if f.made == nil {
		f.made = map[string]madeImage{}
	}
	f.made[ref] = madeImage{files: slices.Clone(files), entrypoint: slices.Clone(entrypoint)}
	return nil
}

func (f *fakeEngine) NetworkCreateWith(ctx context.Context, name string, opts engine.NetworkOptions) error {
	return f.createResource(ctx, f.networks, "network", name, opts.Labels)
}

// NetworkRemove refuses, as the engine does, while containers use the network.
func (f *fakeEngine) NetworkRemove(ctx context.Context, name string) error {
	f.mu.Lock()
	for _, c := range f.containers {
		if slices.ContainsFunc(c.spec.Networks, func(ep engine.Endpoint) bool { return ep.Network == name }) {
			f.mu.Unlock()
			return fmt.Errorf("remove network %s: error while removing network: network %s has active endpoints", name, name)
		}
	}
	f.mu.Unlock()
	return f.removeResource(ctx, f.networks, "network", name)
}

func (f *fakeEngine) VolumeInspect(ctx context.Context, name string) (engine.Volume, error) {
	labels, err := f.inspectResource(ctx, f.volumes, "volume", name)
	return engine.Volume{Name: name, Labels: labels}, err
}

func (f *fakeEngine) VolumeCreate(ctx context.Context, name string, labels map[string]string) error {
	return f.createResource(ctx, f.volumes, "volume", name, labels)
}

func (f *fakeEngine) VolumeCreateWith(ctx context.Context, name string, opts engine.VolumeOptions) error {
	return f.createResource(ctx, f.volumes, "volume", name, opts.Labels)
}

// VolumeClaim creates the volume, or returns the one of that name as it
// is, as the engine does.
func (f *fakeEngine) VolumeClaim(ctx context.Context, name string, labels map[string]string) (engine.Volume, error) {
	if err := ctx.Err(); err != nil {
		return engine.Volume{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.volumes[name]; !ok {
		f.record("create volume %s", name)
		f.volumes[name] = maps.Clone(labels)
	}
	return engine.Volume{Name: name, Labels: maps.Clone(f.volumes[name])}, nil
}

func (f *fakeEngine) VolumeList(_ context.Context, labels map[string]string) ([]engine.Volume, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Volume
	for name, l := range f.volumes {
		match := true
		for k, v := range labels {
			got, ok := l[k]
			match = match && ok && (v == "" || got == v)
		}
		if match {
			out = append(out, engine.Volume{Name: name, Labels: l})
		}
	}
	return out, nil
}

func (f *fakeEngine) VolumeRemove(ctx context.Context, name string) error {
	return f.removeResource(ctx, f.volumes, "volume", name)
}

func (f *fakeEngine) inspectResource(ctx context.Context, set map[string]map[string]string, kind, name string) (map[string]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	labels, ok := set[name]
	if !ok {
		return nil, fmt.Errorf("no such %s %s: %w", kind, name, engine.ErrNotFound)
	}
	return maps.Clone(labels), nil
}

func (f *fakeEngine) createResource(ctx context.Context, set map[string]map[string]string, kind, name string, labels map[string]string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := set[name]; ok {
		return fmt.Errorf("create %s %s: %w", kind, name, engine.ErrConflict)
	}
	f.record("create %s %s", kind, name)
	set[name] = maps.Clone(labels)
	return nil
}

func (f *fakeEngine) removeResource(ctx context.Context, set map[string]map[string]string, kind, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := set[name]; !ok {
		return fmt.Errorf("no such %s %s: %w", kind, name, engine.ErrNotFound)
	}
	f.record("remove %s %s", kind, name)
	delete(set, name)
	return nil
}

// ContainerList lists the containers carrying every given label, by name.
func (f *fakeEngine) ContainerList(ctx context.Context, labels map[string]string) ([]engine.ContainerSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.listContainers(func(c *fakeContainer) bool {
		matches := true
		for k, v := range labels {
			matches = matches && c.Labels[k] == v
		}
		return matches
	}), nil
}

// ContainersLabelled lists, as the engine does, the containers with every
// key; without all, only those `docker ps` shows (running, paused,
// restarting).
func (f *fakeEngine) ContainersLabelled(ctx context.Context, keys []string, all bool) ([]engine.ContainerSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.listContainers(func(c *fakeContainer) bool {
		for _, k := range keys {
			if _, ok := c.Labels[k]; !ok {
				return false
			}
		}
		return all || c.Status == "running" || c.Status == "paused" || c.Status == "restarting"
	}), nil
}

func (f *fakeEngine) listContainers(keep func(*fakeContainer) bool) []engine.ContainerSummary {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.ContainerSummary
	for _, c := range f.containers {
		if keep(c) {
			var mounts []engine.MountPoint
			for _, m := range c.spec.Mounts {
				mounts = append(mounts, engine.MountPoint{Type: string(m.Type), Volume: m.Source, Destination: m.Target, Writable: !m.ReadOnly})
			}
			out = append(out, engine.ContainerSummary{ID: c.ID, Name: c.Name, Labels: maps.Clone(c.Labels), State: c.Status,
				Healthy: c.Health == "healthy", Mounts: mounts})
		}
	}
	slices.SortFunc(out, func(a, b engine.ContainerSummary) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (f *fakeEngine) ContainerInspect(ctx context.Context, ref string) (engine.Container, error) {
	if err := ctx.Err(); err != nil {
		return engine.Container{}, err
	}
	f.mu.Lock()
	if c, err := f.find(ref); err == nil && c.Status == "exited" && f.releasing[c.Name] != nil {
		released := f.releasing[c.Name]
		f.mu.Unlock()
		select {
		case <-released:
		case <-ctx.Done():
			return engine.Container{}, ctx.Err()
		}
		f.mu.Lock()
	}
	defer f.mu.Unlock()
	c, err := f.find(ref)
	if err == nil {
		f.inspected[c.Name]++
	}
	if err != nil {
		return engine.Container{}, err
	}
	out := c.Container
	out.Labels = maps.Clone(c.Labels)
	out.HealthLog = slices.Clone(c.HealthLog)
	return out, nil
}

// ContainerCreate fails with ErrConflict when the name is taken, and with
// ErrNotFound when the image is missing, as the engine does.
func (f *fakeEngine) ContainerCreate(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.containers[spec.Name]; ok {
		return "", fmt.Errorf("create container %s: %w", spec.Name, engine.ErrConflict)
	}
	if err := f.createErr[spec.Name]; err != nil {
		return "", err
	}
	img, ok := f.images[spec.Image]
	if !ok {
		return "", fmt.Errorf("create container %s: no such image %s: %w", spec.Name, spec.Image, engine.ErrNotFound)
	}
	// What the engine here (API 1.41) cannot carry fails as it would.
	if _, err := engine.NewCreateRequest(spec, "1.41"); err != nil {
		return "", err
	}
	f.record("create %s", spec.Name)
	f.created = append(f.created, spec)
	c := &fakeContainer{spec: spec, Container: engine.Container{
		ID:      f.newID(spec.Name),
		Name:    spec.Name,
		ImageID: img.ID,
		Labels:  maps.Clone(spec.Labels),
		Status:  "created",
		Created: time.Now(),
		Restart: spec.Restart,
		Ports:   slices.Clone(spec.Ports),
	}}
	f.containers[spec.Name] = c
	return c.ID, nil
}

func (f *fakeEngine) ContainerStart(ctx context.Context, ref string) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if err := f.startErr[c.Name]; err != nil {
			return err
		}
		if err := f.startErrOnce[c.Name]; err != nil {
			delete(f.startErrOnce, c.Name)
			return err
		}
		if c.Running() {
			return nil
		}
		f.record("start %s", c.Name)
		c.Status, c.ExitCode, c.StartedAt, c.Health, c.HealthLog = "running", 0, time.Now(), "", nil
		if c.spec.Healthcheck.Enabled() {
			c.Health = "starting"
		}
		f.run(c)
		return nil
	})
}

// run starts a started container's command: as onStart says; a one-shot
// exits 0 at once.
func (f *fakeEngine) run(c *fakeContainer) {
	switch behave := f.onStart[c.Name]; {
	case behave != nil:
		f.apply(c, behave)
	case c.Labels[stack.LabelOneShot] == "true":
		f.apply(c, exitWith(0))
	}
}

// ContainerStop takes stopTakes, as a process finishing its work does,
// then releaseTakes, as the engine releasing its network and mounts does.
func (f *fakeEngine) ContainerStop(ctx context.Context, ref string, _ time.Duration) error {
	return f.stop(ctx, ref, func() {})
}

// ContainerStopping is ContainerStop that tells of the death once the
// process is gone, before the release.
func (f *fakeEngine) ContainerStopping(ctx context.Context, ref string, _ time.Duration) (<-chan struct{}, func() error) {
	died := make(chan struct{})
	var once sync.Once
	dead := func() { once.Do(func() { close(died) }) }
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		err = f.stop(ctx, ref, dead)
		dead()
	}()
	return died, func() error {
		<-done
		return err
	}
}

// stop stops the container, calling died once its process is gone.
func (f *fakeEngine) stop(ctx context.Context, ref string, died func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	c, err := f.find(ref)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	f.record("stop %s", c.Name)
	takes, release := f.stopTakes, f.releaseTakes
	if !c.Running() {
		takes, release = 0, 0 // the engine has nothing to stop
	}
	f.mu.Unlock()

	if err := sleepCtx(ctx, takes); err != nil {
		return err
	}
	f.mu.Lock()
	if c.Running() {
		c.Status, c.Health = "exited", ""
		f.tellDeath(c)
	}
	f.mu.Unlock()
	died()
	return sleepCtx(ctx, release)
}

// sleepCtx sleeps for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeEngine) ContainerRemove(ctx context.Context, ref string) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		f.record("remove %s", c.Name)
		delete(f.containers, c.Name)
		return nil
	})
}

// ContainerRename fails with ErrConflict when the new name is taken.
func (f *fakeEngine) ContainerRename(ctx context.Context, ref, newName string) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if _, ok := f.containers[newName]; ok {
			return fmt.Errorf("rename container %s to %s: %w", c.Name, newName, engine.ErrConflict)
		}
		f.record("rename %s %s", c.Name, newName)
		delete(f.containers, c.Name)
		c.Name = newName
		f.containers[newName] = c
		return nil
	})
}

// CopyFiles keeps the files, by path, with the container.
func (f *fakeEngine) CopyFiles(ctx context.Context, ref, dir string, files map[string][]byte) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		f.record("copy %s %s", c.Name, dir)
		if c.files == nil {
			c.files = map[string][]byte{}
		}
		for name, content := range files {
			c.files[path.Join(dir, name)] = append([]byte{}, content...)
		}
		return nil
	})
}

// WriteFiles keeps the files' content, by path, with the container, and
// their owner and mode beside it.
func (f *fakeEngine) WriteFiles(ctx context.Context, ref, dir string, files map[string]engine.File) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		f.record("copy %s %s", c.Name, dir)
		if c.files == nil {
			c.files = map[string][]byte{}
		}
		if c.access == nil {
			c.access = map[string]engine.File{}
		}
		for name, file := range files {
			c.files[path.Join(dir, name)] = append([]byte{}, file.Content...)
			c.access[path.Join(dir, name)] = engine.File{UID: file.UID, GID: file.GID, Mode: file.Mode}
		}
		return nil
	})
}

// ContainerKill signals a container; the fake's processes all die of it.
func (f *fakeEngine) ContainerKill(ctx context.Context, ref, signal string) error {
	return f.onContainer(ctx, ref, func(c *fakeContainer) error {
		if !c.Running() {
			return fmt.Errorf("kill container %s: container is not running: %w", c.Name, engine.ErrConflict)
		}
		f.record("kill %s %s", c.Name, signal)
		f.apply(c, exitWith(137))
		return nil
	})
}

// IsLocal reports a remote engine unless the test says local; the fake
// has no host processes to signal either way.
func (f *fakeEngine) IsLocal() bool { return f.local }

func (f *fakeEngine) Platform(context.Context) (string, error) {
	f.record("platform")
	return "linux/" + runtime.GOARCH, nil
}

// ContainerLogs writes the container's canned lines (the last opts.Tail of
// them) to stdout; with Follow it then waits for ctx, as the engine does.
func (f *fakeEngine) ContainerLogs(ctx context.Context, ref string, opts engine.LogsOptions, stdout, _ io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	c, err := f.find(ref)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	lines := f.logs[c.Name]
	f.mu.Unlock()
	if opts.Tail >= 0 && len(lines) > opts.Tail {
		lines = lines[len(lines)-opts.Tail:]
	}
	for _, l := range lines {
		if _, err := io.WriteString(stdout, l+"\n"); err != nil {
			return err
		}
	}
	if opts.Follow {
		<-ctx.Done()
	}
	return nil
}

// Exec runs the container's probe script; the script runs without the lock
// so it may look at the engine itself.
func (f *fakeEngine) ExecWith(ctx context.Context, ref string, spec engine.ExecSpec) (engine.ExecResult, error) {
	f.mu.Lock()
	f.record("exec %s %s", ref, strings.Join(spec.Cmd, " "))
	f.mu.Unlock()
	return f.Exec(ctx, ref, spec.Cmd)
}

func (f *fakeEngine) Exec(ctx context.Context, ref string, _ []string) (engine.ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return engine.ExecResult{}, err
	}
	f.mu.Lock()
	c, err := f.find(ref)
	if err != nil {
		f.mu.Unlock()
		return engine.ExecResult{}, err
	}
	if !c.Running() {
		f.mu.Unlock()
		return engine.ExecResult{}, fmt.Errorf("exec in container %s: container is not running: %w", c.Name, engine.ErrConflict)
	}
	name, n, script := c.Name, c.probed, f.probes[c.Name]
	c.probed++
	f.mu.Unlock()

	res := engine.ExecResult{Output: "ok"}
	if script != nil {
		res = script(n)
	}
	verdict := "ok"
	if res.ExitCode != 0 {
		verdict = "fail"
	}
	f.mu.Lock()
	f.record("exec %s %s", name, verdict)
	f.mu.Unlock()
	return res, nil
}

// The fake must keep implementing what the orchestrator asks of an engine.
var _ Engine = (*fakeEngine)(nil)

// volumeLabels are the volumes' labels, by name.
func (f *fakeEngine) volumeLabels() map[string]map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]map[string]string, len(f.volumes))
	for name, labels := range f.volumes {
		out[name] = maps.Clone(labels)
	}
	return out
}
