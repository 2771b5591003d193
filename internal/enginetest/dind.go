package enginetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/stackctl/stackctl/internal/engine"
)

// DindImage is the image Dind runs by default: docker:dind, which
// scripts/images.sh provides (offline, as the stand-in in images/dind).
// STACKCTL_DIND_IMAGE, when set, names another: the current engine's image
// (scripts/engine-current.sh), so that a test's inner engines are as
// current as the engine it runs on.
const DindImage = "docker:dind"

// dindImageEnv names the image Dind runs instead of DindImage.
const dindImageEnv = "STACKCTL_DIND_IMAGE"

// DindLabel marks the containers Dind starts, with the value "dind". It is
// not the project label, so stackctl never takes them for part of a stack.
const DindLabel = "io.stackctl.test"

// DindPort is the inner engine's plain-TCP API port.
const DindPort = 2375

const (
	// dindReady bounds the wait for the inner engine's API: it usually
	// answers within seconds, but a loaded machine may take far longer.
	dindReady = 3 * time.Minute
	// dindAttempt bounds one attempt to reach the inner engine, so a dial
	// that hangs costs one attempt, not the whole wait.
	dindAttempt = 2 * time.Second
	// dindPoll is the pause between attempts that failed at once.
	dindPoll = 200 * time.Millisecond
	// dindStop is how long the inner engine has to stop its containers
	// (and the stand-in to remove their cgroups) before SIGKILL.
	dindStop = 30 * time.Second
	// dindCleanup bounds everything the cleanup does.
	dindCleanup = 2 * time.Minute
)

// cgroupRoot is where the host's cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// InnerEngine is a Docker engine running in a container of the host engine,
// reached over plain TCP on the host's default bridge network. Its containers'
// cgroups sit under /Name in every hierarchy of the host, beside the host
// engine's own.
type InnerEngine struct {
	// Name is the container's name on the host engine, its hostname, and
	// the inner engine's cgroup parent (/Name).
	Name string
	// ContainerID is the container's ID on the host engine.
	ContainerID string
	// Volumes are the container's anonymous volumes on the host engine
	// (the inner engine's /var/lib/docker).
	Volumes []string
	// IP is the container's address on the host's default bridge.
	IP string
	// Host is the inner engine's address, tcp://IP:2375.
	Host string
	// Client is connected to the inner engine.
	Client *engine.Client

	host  *client.Client // the host engine
	inner *client.Client // the inner engine, for what Client does not offer
}

// DindOption adjusts the container Dind starts.
type DindOption func(*dindConfig)

type dindConfig struct {
	image string
	name  string
	args  []string
	// dataSize, when set, bounds the inner engine's /var/lib/docker.
	dataSize string
}

// DindArgs adds flags to the inner dockerd's command line, after
// --cgroup-parent (--storage-driver=vfs, --debug, ...).
func DindArgs(args ...string) DindOption {
	return func(c *dindConfig) { c.args = append(c.args, args...) }
}

// DindDataSize gives the inner engine a /var/lib/docker of size bytes (a
// tmpfs; size as tmpfs takes it: 512m, 2g) instead of a volume of the
// host's disk, so a test can fill the engine's disk without filling the
// host's.
func DindDataSize(size string) DindOption {
	return func(c *dindConfig) { c.dataSize = size }
}

// DindFromImage runs ref instead of DindImage.
func DindFromImage(ref string) DindOption {
	return func(c *dindConfig) { c.image = ref }
}

// DindName names the container (and so its hostname and cgroup parent)
// instead of the test's project name with "-dind": one plain name, unique on
// the host engine.
func DindName(name string) DindOption {
	return func(c *dindConfig) { c.name = name }
}

// Dind starts a Docker engine in a container of the host engine and returns
// it once its API answers. The container runs without --privileged (which
// the host may refuse), with only what a nested engine needs: CAP_SYS_ADMIN
// (mounts), CAP_NET_ADMIN (its bridge and iptables), CAP_SYS_PTRACE (setns,
// for exec and healthchecks in its containers), no seccomp or AppArmor
// profile, and the host's /sys/fs/cgroup, read-write.
//
// When the test ends the container is stopped and removed with its
// anonymous volumes, the cgroup directories its containers left are removed,
// and the test fails if any of them remain. Like Connect, Dind skips the
// test unless STACKCTL_INTEGRATION=1, and then fails without a host engine.
// The host engine must be on this machine: the bridge network and the
// cgroup directories are the host's.
func Dind(t testing.TB, opts ...DindOption) *InnerEngine {
	t.Helper()
	cfg := dindConfig{image: DindImage}
	if ref := os.Getenv(dindImageEnv); ref != "" {
		cfg.image = ref
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.name == "" {
		cfg.name = ProjectName(t) + "-dind"
	}
	if strings.ContainsAny(cfg.name, "/.") {
		t.Fatalf("Dind container name %q: want one plain name, which is also its cgroup parent", cfg.name)
	}
	if !Connect(t).IsLocal() {
		t.Fatalf("Dind needs the host engine on this machine (a unix socket), to reach its bridge network and remove its cgroup directories; DOCKER_HOST is %q", os.Getenv("DOCKER_HOST"))
	}
	hostAPI, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client for the host engine: %v", err)
	}
	t.Cleanup(func() { _ = hostAPI.Close() })

	e := &InnerEngine{Name: cfg.name, host: hostAPI}
	var tmpfs map[string]string
	if cfg.dataSize != "" {
		// exec: the inner engine's containers run programs from there.
		tmpfs = map[string]string{"/var/lib/docker": "rw,exec,size=" + cfg.dataSize}
	}
	ctx := context.Background()
	created, err := hostAPI.ContainerCreate(ctx,
		&container.Config{
			Image:    cfg.image,
			Hostname: e.Name,
			Cmd:      append([]string{"--cgroup-parent=/" + e.Name}, cfg.args...),
			// The official image's switch for plain TCP on 2375; the
			// stand-in refuses anything else.
			Env:    []string{"DOCKER_TLS_CERTDIR="},
			Labels: map[string]string{DindLabel: "dind"},
		},
		&container.HostConfig{
			CapAdd:      []string{"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"},
			SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"},
			Tmpfs:       tmpfs,
			Mounts: []mount.Mount{{
				Type: mount.TypeBind, Source: cgroupRoot, Target: cgroupRoot,
			}},
		}, nil, nil, e.Name)
	if err != nil {
		t.Fatalf("create container %s from %s on the host engine (`make images` provides %s, `make engine-current` the current engine's): %v", e.Name, cfg.image, DindImage, err)
	}
	e.ContainerID = created.ID
	// The engine makes the image's anonymous volumes at creation.
	in, err := hostAPI.ContainerInspect(ctx, created.ID)
	if err == nil {
		e.Volumes = anonymousVolumes(in)
	}
	t.Cleanup(func() { e.remove(t) })
	if err != nil {
		t.Fatalf("inspect container %s: %v", e.Name, err)
	}

	started := time.Now()
	if err := hostAPI.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start container %s: %v", e.Name, err)
	}
	in, err = hostAPI.ContainerInspect(ctx, created.ID)
	if err != nil {
		t.Fatalf("inspect container %s: %v", e.Name, err)
	}
	if in.NetworkSettings != nil {
		if ep := in.NetworkSettings.Networks["bridge"]; ep != nil {
			e.IP = ep.IPAddress
		}
	}
	if e.IP == "" {
		t.Fatalf("container %s has no address on the default bridge network", e.Name)
	}
	e.Host = fmt.Sprintf("tcp://%s:%d", e.IP, DindPort)

	e.Client, err = e.waitForAPI()
	if err != nil {
		t.Fatalf("%v; the container's log:\n%s", err, e.logs())
	}
	t.Cleanup(func() { _ = e.Client.Close() })
	t.Logf("the engine in container %s answers at %s, %s after its start", e.Name, e.Host, time.Since(started).Round(time.Millisecond))
	e.inner, err = client.NewClientWithOpts(client.WithHost(e.Host), client.WithVersion(e.Client.APIVersion()))
	if err != nil {
		t.Fatalf("docker client for the inner engine at %s: %v", e.Host, err)
	}
	t.Cleanup(func() { _ = e.inner.Close() })
	return e
}

// waitForAPI tries to reach the inner engine until it answers, the container
// stops, or dindReady passes.
func (e *InnerEngine) waitForAPI() (*engine.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dindReady)
	defer cancel()
	poll := time.NewTicker(dindPoll)
	defer poll.Stop()
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, dindAttempt)
		cli, err := engine.NewWithHost(attempt, e.Host)
		cancelAttempt()
		if err == nil {
			return cli, nil
		}
		in, inspectErr := e.host.ContainerInspect(ctx, e.ContainerID)
		switch {
		case inspectErr != nil:
			return nil, fmt.Errorf("inspect container %s while waiting for its engine: %w", e.Name, inspectErr)
		case in.State == nil || !in.State.Running:
			return nil, fmt.Errorf("container %s stopped before its engine answered (exit %d): %w", e.Name, exitCode(in), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the inner engine at %s did not answer within %s: %w", e.Host, dindReady, err)
		case <-poll.C:
		}
	}
}

func exitCode(in container.InspectResponse) int {
	if in.State == nil {
		return -1
	}
	return in.State.ExitCode
}

// logs is the end of the container's log, for messages.
func (e *InnerEngine) logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := e.host.ContainerLogs(ctx, e.ContainerID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: "40"})
	if err != nil {
		return fmt.Sprintf("(read the log of container %s: %v)", e.Name, err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := stdcopy.StdCopy(&b, &b, rc); err != nil {
		fmt.Fprintf(&b, "(read the log of container %s: %v)", e.Name, err)
	}
	return b.String()
}

// LoadImages copies the images refs from the host engine into the inner
// engine: the host's image save stream goes straight into the inner engine's
// image load, with nothing on disk in between. For test harnesses only:
// stackctl itself never moves images between engines.
func (e *InnerEngine) LoadImages(ctx context.Context, refs ...string) error {
	if len(refs) == 0 {
		return nil
	}
	saved, err := e.host.ImageSave(ctx, refs)
	if err != nil {
		return fmt.Errorf("save images %s on the host engine: %w", strings.Join(refs, " "), err)
	}
	defer saved.Close()
	loaded, err := e.inner.ImageLoad(ctx, saved, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("load images %s from the host engine into the engine at %s: %w", strings.Join(refs, " "), e.Host, err)
	}
	defer loaded.Body.Close()
	if err := engine.DecodeMessages(loaded.Body, func(jsonmessage.JSONMessage) {}); err != nil {
		return fmt.Errorf("load images %s from the host engine into the engine at %s: %w", strings.Join(refs, " "), e.Host, err)
	}
	for _, ref := range refs {
		if _, err := e.Client.ImageInspect(ctx, ref); err != nil {
			return fmt.Errorf("image %s after loading it into the engine at %s: %w", ref, e.Host, err)
		}
	}
	return nil
}

// remove stops the container (so the inner engine stops its own containers),
// removes it with its anonymous volumes, removes the cgroup directories left
// under /Name, and fails the test if any of them remain.
func (e *InnerEngine) remove(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dindCleanup)
	defer cancel()
	stop := int(dindStop / time.Second)
	if err := e.host.ContainerStop(ctx, e.ContainerID, container.StopOptions{Timeout: &stop}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("stop container %s: %v", e.Name, err)
	}
	err := e.host.ContainerRemove(ctx, e.ContainerID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("remove container %s: %v", e.Name, err)
	}
	if _, err := e.host.ContainerInspect(ctx, e.ContainerID); !cerrdefs.IsNotFound(err) {
		t.Errorf("container %s is still there after its removal (inspect: %v)", e.Name, err)
	}
	for _, v := range e.Volumes {
		if _, err := e.host.VolumeInspect(ctx, v); !cerrdefs.IsNotFound(err) {
			t.Errorf("volume %s of container %s is still there after its removal (inspect: %v)", v, e.Name, err)
		}
	}
	if err := removeCgroups(ctx, e.Name); err != nil {
		t.Errorf("remove the cgroups of container %s's engine: %v", e.Name, err)
	}
}

// anonymousVolumes are the volumes the engine made for the container.
func anonymousVolumes(in container.InspectResponse) []string {
	var names []string
	for _, m := range in.Mounts {
		if m.Type == mount.TypeVolume && m.Name != "" {
			names = append(names, m.Name)
		}
	}
	return names
}

// CgroupDirs lists the cgroup directories at /parent and under it in every
// hierarchy mounted at /sys/fs/cgroup (cgroup v1, one per controller, and
// the unified one beside them; or cgroup v2 alone), deepest first.
func CgroupDirs(parent string) ([]string, error) {
	if parent == "" || strings.ContainsAny(parent, "/.") {
		return nil, fmt.Errorf("cgroup parent %q: want one plain name", parent)
	}
	tops := []string{filepath.Join(cgroupRoot, parent)}
	hierarchies, err := os.ReadDir(cgroupRoot)
	if err != nil {
		return nil, fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	for _, h := range hierarchies {
		if h.IsDir() {
			tops = append(tops, filepath.Join(cgroupRoot, h.Name(), parent))
		}
	}
	var dirs []string
	for _, top := range tops {
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				dirs = append(dirs, path)
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("list cgroup directories under %s: %w", top, err)
		}
	}
	// Longer paths are deeper: children sort before their parents.
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	return dirs, nil
}

// removeCgroups removes the cgroup directories under /parent, deepest
// first. A directory whose processes are still dying (their container was
// just killed) refuses with EBUSY, so it tries again until ctx ends.
func removeCgroups(ctx context.Context, parent string) error {
	poll := time.NewTicker(dindPoll)
	defer poll.Stop()
	for {
		dirs, err := CgroupDirs(parent)
		if err != nil {
			return err
		}
		var errs []error
		for _, d := range dirs {
			if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		if len(errs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (gave up: %w)", errors.Join(errs...), ctx.Err())
		case <-poll.C:
		}
	}
}

// Reconnect reaches the engine again after its container was restarted or
// started anew, when the address may have changed, and makes Client (and
// Host, IP) its new ones. It waits until the engine answers.
func (e *InnerEngine) Reconnect(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dindReady)
	defer cancel()
	in, err := e.host.ContainerInspect(ctx, e.ContainerID)
	if err != nil {
		t.Fatalf("inspect container %s: %v", e.Name, err)
	}
	if in.NetworkSettings == nil || in.NetworkSettings.Networks["bridge"] == nil || in.NetworkSettings.Networks["bridge"].IPAddress == "" {
		t.Fatalf("container %s has no address on the default bridge network", e.Name)
	}
	e.IP = in.NetworkSettings.Networks["bridge"].IPAddress
	e.Host = fmt.Sprintf("tcp://%s:%d", e.IP, DindPort)
	cli, err := e.waitForAPI()
	if err != nil {
		t.Fatalf("%v; the container's log:\n%s", err, e.logs())
	}
	t.Cleanup(func() { _ = cli.Close() })
	e.Client = cli
	inner, err := client.NewClientWithOpts(client.WithHost(e.Host), client.WithVersion(cli.APIVersion()))
	if err != nil {
		t.Fatalf("docker client for the inner engine at %s: %v", e.Host, err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	e.inner = inner
}
