package enginetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	"github.com/docker/go-connections/nat"

	"github.com/stackctl/stackctl/internal/engine"
)

// RegistryImage is the image of the registry Swarm runs: registry:2, which
// scripts/images.sh provides (offline, as the stand-in in images/registry).
const RegistryImage = "registry:2"

// RegistryPort is the registry's port in its container.
const RegistryPort = 5000

// Values of DindLabel on what Swarm makes besides the worker engines, which
// keep "dind": the swarm itself (its spec's labels), so a later run knows a
// swarm an earlier one left, and the registry container.
const (
	swarmLabelValue    = "swarm"
	registryLabelValue = "swarm-registry"
)

// gwbridge is the bridge network the engine makes on the first swarm task or
// ingress sandbox, for their traffic out of the overlay networks. Leaving
// the swarm (20.10) removes the swarm's networks and its netns files (the
// engine collects those within a minute) but keeps this network.
const gwbridge = "docker_gwbridge"

// swarmLockName is the file in /run/lock (else the temporary directory)
// that every Swarm on this machine holds a lock (flock) on, from before it
// looks at the host engine until its cleanup is done: the host engine can be
// in one swarm only, and `go test ./...` runs packages at the same time.
const swarmLockName = "stackctl-enginetest-swarm.lock"

const (
	// swarmLockWait bounds the wait for another test's swarm to go, unless
	// the test's own deadline comes first.
	swarmLockWait = 15 * time.Minute
	// swarmStart bounds Swarm's calls to the engines, the workers' starts
	// (Dind's own waits) aside.
	swarmStart = 5 * time.Minute
	// swarmReady bounds the wait for the registry to answer and that for
	// every node to be ready.
	swarmReady = 2 * time.Minute
	// swarmPoll is the pause between looks at the swarm's state.
	swarmPoll = 250 * time.Millisecond
	// swarmCleanup bounds each step of the cleanup.
	swarmCleanup = 2 * time.Minute
)

// SwarmCluster is a swarm of the host engine, its one manager, and worker
// engines in containers of it (Dind's), with a registry every node pulls
// from under the same image references.
type SwarmCluster struct {
	// Manager is a client of the host engine, the swarm's manager.
	Manager *engine.Client
	// ManagerAPI is the host engine's SDK client, for the swarm's API
	// (nodes, services, tasks, overlay networks), which Manager lacks.
	ManagerAPI *client.Client
	// ManagerID is the host engine's node ID.
	ManagerID string
	// ManagerName is the manager node's name: the host's hostname.
	ManagerName string
	// AdvertiseAddr is the manager's address for the workers: the host's
	// address on the default bridge network, with the swarm's port.
	AdvertiseAddr string
	// Workers are the worker nodes, in the order they joined.
	Workers []*SwarmWorker
	// Registry is the registry every node pulls from.
	Registry SwarmRegistry
}

// SwarmWorker is a worker node: an engine in a container of the host
// engine. Its Name is the container's name, its hostname and its node name.
type SwarmWorker struct {
	*InnerEngine
	// NodeID is its node ID.
	NodeID string
}

// SwarmRegistry is a registry:2 container on the host engine that every
// node of the swarm reaches at the same address, Addr.
//
// The host engine pushes only over TLS except to the registries it calls
// insecure, by default just 127.0.0.0/8, and the test must not reconfigure
// or restart it. So the registry publishes its port on the host's loopback
// only (127.0.0.1:P, random P), and the host pushes there. Each worker's
// engine, in its container's network namespace, gets a listener on its own
// 127.0.0.1:P (also insecure to it by default) that this process opens in
// that namespace and forwards to the registry's container on the default
// bridge. An image reference under Addr, pinned by digest, then resolves to
// the same image on every node, manager and workers, with no engine
// configured for it and no tool added to the dind image. The forwarding
// lives in the test process: it ends with the test, and a worker whose
// container restarts (a new namespace) has none.
type SwarmRegistry struct {
	// Addr is 127.0.0.1:P, on every node.
	Addr string
	// ContainerID is the registry container's ID on the host engine.
	ContainerID string
	// Volumes are its anonymous volumes (its storage, /var/lib/registry).
	Volumes []string
	// IP is its address on the host's default bridge network.
	IP string
}

// SwarmOption adjusts the swarm Swarm makes.
type SwarmOption func(*swarmConfig)

type swarmConfig struct {
	dind []DindOption
}

// SwarmDind passes opts to Dind for every worker (the image, dockerd's flags).
func SwarmDind(opts ...DindOption) SwarmOption {
	return func(c *swarmConfig) { c.dind = append(c.dind, opts...) }
}

// Swarm makes the host engine the manager of a new swarm, starts `workers`
// engines in containers of it (Dind) that join it as workers, named
// <project>-worker-<n>, and a registry (SwarmRegistry) that all of them pull
// from, and returns once every node is ready.
//
// Only one Swarm at a time runs on this machine: it waits for the others'
// cleanups (a file lock, swarmLockName). It refuses a host engine that is
// already in a swarm it did not make (a user's), and takes down one an
// earlier run made and could not clean up (killed on a timeout, say).
//
// When the test ends it removes every service and overlay network of the
// swarm, the workers leave and are removed from the node list, their
// containers go as Dind's do (volumes and cgroups too), the registry
// container and its volume go, and the host engine leaves the swarm and
// loses docker_gwbridge unless that was there before. The swarm's ingress
// network has no load balancing on a kernel without IPVS: publish ports in
// host mode and use endpoint mode dnsrr. Like Dind, Swarm skips the test
// unless STACKCTL_INTEGRATION=1, fails without a local host engine, and
// needs root.
func Swarm(t testing.TB, workers int, opts ...SwarmOption) *SwarmCluster {
	t.Helper()
	var cfg swarmConfig
	for _, o := range opts {
		o(&cfg)
	}
	mgr := Connect(t)
	if !mgr.IsLocal() {
		t.Fatalf("Swarm needs the host engine on this machine (a unix socket); DOCKER_HOST is %q", os.Getenv("DOCKER_HOST"))
	}
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client for the host engine: %v", err)
	}
	t.Cleanup(func() { _ = api.Close() })
	c := &SwarmCluster{Manager: mgr, ManagerAPI: api}

	lockSwarm(t)
	started := time.Now()
	var tornDown time.Time
	// Registered before any other cleanup of the swarm, so it runs last.
	t.Cleanup(func() {
		if !tornDown.IsZero() {
			t.Logf("swarm torn down in %s", time.Since(tornDown).Round(time.Millisecond))
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), swarmStart)
	defer cancel()
	if err := takeDownLeftSwarm(ctx, t, api); err != nil {
		t.Fatal(err)
	}
	gwbridgeBefore, err := networkExists(ctx, api, gwbridge)
	if err != nil {
		t.Fatal(err)
	}

	c.AdvertiseAddr, err = advertiseAddr(ctx, api)
	if err != nil {
		t.Fatal(err)
	}
	c.ManagerID, err = api.SwarmInit(ctx, swarm.InitRequest{
		// The default bridge only: the manager's port is none of the
		// outside world's business.
		ListenAddr:    c.AdvertiseAddr,
		AdvertiseAddr: c.AdvertiseAddr,
		Spec:          swarm.Spec{Annotations: swarm.Annotations{Labels: map[string]string{DindLabel: swarmLabelValue}}},
	})
	if err != nil {
		t.Fatalf("make the host engine a swarm manager advertising %s: %v", c.AdvertiseAddr, err)
	}
	t.Cleanup(func() {
		leaveHostSwarm(t, api, gwbridgeBefore)
		// Now that nothing of the swarm pulls any more.
		c.removeRegistryImages(t)
	})
	info, err := api.Info(ctx)
	if err != nil {
		t.Fatalf("ask the host engine for its hostname: %v", err)
	}
	c.ManagerName = info.Name
	sw, err := api.SwarmInspect(ctx)
	if err != nil {
		t.Fatalf("inspect the swarm the host engine manages: %v", err)
	}

	project := ProjectName(t)
	c.Registry = startRegistry(ctx, t, api, project+"-registry")
	for i := 1; i <= workers; i++ {
		w := &SwarmWorker{InnerEngine: Dind(t, append(append([]DindOption{}, cfg.dind...), DindName(fmt.Sprintf("%s-worker-%d", project, i)))...)}
		forwardRegistry(ctx, t, w.InnerEngine, c.Registry)
		if err := w.inner.SwarmJoin(ctx, swarm.JoinRequest{
			// The worker's own namespace: its port is free whatever the host's.
			ListenAddr:  "0.0.0.0:2377",
			RemoteAddrs: []string{c.AdvertiseAddr},
			JoinToken:   sw.JoinTokens.Worker,
		}); err != nil {
			t.Fatalf("join the engine in container %s to the swarm at %s: %v", w.Name, c.AdvertiseAddr, err)
		}
		winfo, err := w.inner.Info(ctx)
		if err != nil {
			t.Fatalf("ask the engine in container %s for its node ID: %v", w.Name, err)
		}
		w.NodeID = winfo.Swarm.NodeID
		t.Cleanup(func() { c.removeWorker(t, w) })
		c.Workers = append(c.Workers, w)
	}
	if err := c.waitReady(ctx); err != nil {
		t.Fatal(err)
	}
	// Registered last, so it runs first: the services' tasks go while their
	// nodes are still there to stop them.
	t.Cleanup(func() {
		tornDown = time.Now()
		c.removeServicesAndNetworks(t)
	})
	t.Logf("swarm of the host engine (%s, manager) and %d worker(s) ready, registry at %s, in %s",
		c.AdvertiseAddr, workers, c.Registry.Addr, time.Since(started).Round(time.Millisecond))
	return c
}

// lockSwarm waits for, and takes until the test ends, the machine's swarm
// lock, and writes who holds it into the lock file for whoever waits next.
func lockSwarm(t testing.TB) {
	t.Helper()
	dir := "/run/lock"
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, swarmLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatalf("open the swarm lock %s: %v", path, err)
	}
	deadline := time.Now().Add(swarmLockWait)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		// Give up in time to say why, before the test binary's timeout.
		if end, ok := d.Deadline(); ok && end.Add(-2*swarmCleanup).Before(deadline) {
			deadline = end.Add(-2 * swarmCleanup)
		}
	}
	waited := time.Now()
	for logged := false; ; {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			t.Fatalf("lock %s: %v", path, err)
		}
		if !logged {
			holder, _ := os.ReadFile(path)
			t.Logf("waiting for the swarm of another test to go (%s, held by %s)", path, strings.TrimSpace(string(holder)))
			logged = true
		}
		if time.Now().After(deadline) {
			holder, _ := os.ReadFile(path)
			_ = f.Close()
			t.Fatalf("another test's swarm kept %s for %s (held by %s); the host engine can be in one swarm only", path, time.Since(waited).Round(time.Second), strings.TrimSpace(string(holder)))
		}
		time.Sleep(swarmPoll)
	}
	if time.Since(waited) > time.Second {
		t.Logf("took the swarm lock after %s", time.Since(waited).Round(time.Millisecond))
	}
	if err := f.Truncate(0); err == nil {
		_, _ = fmt.Fprintf(f, "pid %d (%s)\n", os.Getpid(), t.Name())
	}
	t.Cleanup(func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	})
}

// takeDownLeftSwarm returns nil when the host engine is in no swarm. When it
// manages a swarm labelled as Swarm's, that swarm outlived its test (whose
// process was killed before its cleanup; no live test has it, as the caller
// holds the lock): the host engine leaves it. Any other swarm is someone
// else's, and an error says so.
func takeDownLeftSwarm(ctx context.Context, t testing.TB, api *client.Client) error {
	t.Helper()
	info, err := api.Info(ctx)
	if err != nil {
		return fmt.Errorf("ask the host engine for its swarm state: %w", err)
	}
	state := info.Swarm.LocalNodeState
	if state == swarm.LocalNodeStateInactive {
		return nil
	}
	refuse := fmt.Errorf("the host engine is already in a swarm (node %s, state %q) that enginetest.Swarm did not make; "+
		"it joins no other swarm and takes over none: leave it first (docker swarm leave), or run swarm tests on another engine",
		info.Swarm.NodeID, state)
	if state != swarm.LocalNodeStateActive || !info.Swarm.ControlAvailable {
		return refuse
	}
	sw, err := api.SwarmInspect(ctx)
	if err != nil {
		return fmt.Errorf("inspect the swarm the host engine is in: %w", err)
	}
	if sw.Spec.Labels[DindLabel] != swarmLabelValue {
		return refuse
	}
	t.Logf("the host engine is in swarm %s, which an earlier test's harness made and could not clean up (its process was killed); leaving it (docker_gwbridge stays: whether it was there before is not known)", sw.ID)
	if err := api.SwarmLeave(ctx, true); err != nil {
		return fmt.Errorf("leave swarm %s an earlier test left: %w", sw.ID, err)
	}
	return nil
}

// advertiseAddr is the host's address on its default bridge network (the
// network's gateway, where every Dind container reaches the host) with a
// port free there now.
func advertiseAddr(ctx context.Context, api *client.Client) (string, error) {
	bridge, err := api.NetworkInspect(ctx, "bridge", network.InspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect the host engine's default bridge network: %w", err)
	}
	gateway, err := bridgeGateway(bridge)
	if err != nil {
		return "", fmt.Errorf("the host engine's default bridge: %w", err)
	}
	// 2377 may be taken; a port the kernel just handed out is free, but for
	// a race no test on this machine runs (they hold the lock).
	l, err := net.Listen("tcp", net.JoinHostPort(gateway, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port on the default bridge's gateway %s: %w", gateway, err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr, nil
}

func networkExists(ctx context.Context, api *client.Client, name string) (bool, error) {
	_, err := api.NetworkInspect(ctx, name, network.InspectOptions{})
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, fmt.Errorf("inspect network %s on the host engine: %w", name, err)
	}
}

// startRegistry runs a registry container on the host engine, its port
// published on the host's loopback at a port the engine picks, and waits
// until it answers there. It is removed, with its volume, when the test ends.
func startRegistry(ctx context.Context, t testing.TB, api *client.Client, name string) SwarmRegistry {
	t.Helper()
	port := nat.Port(fmt.Sprintf("%d/tcp", RegistryPort))
	created, err := api.ContainerCreate(ctx,
		&container.Config{
			Image:        RegistryImage,
			ExposedPorts: nat.PortSet{port: {}},
			Labels:       map[string]string{DindLabel: registryLabelValue},
		},
		&container.HostConfig{
			PortBindings: nat.PortMap{port: {{HostIP: "127.0.0.1"}}},
		}, nil, nil, name)
	if err != nil {
		t.Fatalf("create registry container %s from %s on the host engine (`make images` provides %s): %v", name, RegistryImage, RegistryImage, err)
	}
	r := SwarmRegistry{ContainerID: created.ID}
	in, err := api.ContainerInspect(ctx, created.ID)
	if err == nil {
		r.Volumes = anonymousVolumes(in)
	}
	t.Cleanup(func() { removeRegistry(t, api, name, r) })
	if err != nil {
		t.Fatalf("inspect registry container %s: %v", name, err)
	}
	if err := api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		t.Fatalf("start registry container %s: %v", name, err)
	}
	in, err = api.ContainerInspect(ctx, created.ID)
	if err != nil {
		t.Fatalf("inspect registry container %s: %v", name, err)
	}
	if in.NetworkSettings == nil || len(in.NetworkSettings.Ports[port]) == 0 || in.NetworkSettings.Networks["bridge"] == nil {
		t.Fatalf("registry container %s has no published port or no address on the default bridge", name)
	}
	r.Addr = net.JoinHostPort("127.0.0.1", in.NetworkSettings.Ports[port][0].HostPort)
	r.IP = in.NetworkSettings.Networks["bridge"].IPAddress

	url := "http://" + r.Addr + "/v2/"
	ctx, cancel := context.WithTimeout(ctx, swarmReady)
	defer cancel()
	for {
		err := probeRegistry(ctx, url)
		if err == nil {
			return r
		}
		select {
		case <-ctx.Done():
			t.Fatalf("registry container %s did not answer at %s: %v", name, url, err)
		case <-time.After(swarmPoll):
		}
	}
}

func probeRegistry(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, dindAttempt)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

func removeRegistry(t testing.TB, api *client.Client, name string, r SwarmRegistry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), swarmCleanup)
	defer cancel()
	err := api.ContainerRemove(ctx, r.ContainerID, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("remove registry container %s: %v", name, err)
	}
	for _, v := range r.Volumes {
		if _, err := api.VolumeInspect(ctx, v); !cerrdefs.IsNotFound(err) {
			t.Errorf("volume %s of registry container %s is still there after its removal (inspect: %v)", v, name, err)
		}
	}
}

// forwardRegistry makes the registry answer at r.Addr in the worker's
// container too (see SwarmRegistry), until the test ends.
func forwardRegistry(ctx context.Context, t testing.TB, w *InnerEngine, r SwarmRegistry) {
	t.Helper()
	in, err := w.host.ContainerInspect(ctx, w.ContainerID)
	if err != nil {
		t.Fatalf("inspect container %s: %v", w.Name, err)
	}
	if in.State == nil || in.State.Pid == 0 {
		t.Fatalf("container %s has no process to share a network namespace with", w.Name)
	}
	pid, err := HostPID(in.State.Pid, in.ID)
	if err != nil {
		t.Fatalf("forward the registry into container %s: %v", w.Name, err)
	}
	l, err := listenInNetns(pid, r.Addr)
	if err != nil {
		t.Fatalf("forward the registry into container %s: %v", w.Name, err)
	}
	fw := &forwarder{l: l, to: net.JoinHostPort(r.IP, strconv.Itoa(RegistryPort)), conns: map[net.Conn]struct{}{}}
	go fw.serve()
	t.Cleanup(fw.close)
}

// forwarder copies each connection its listener accepts to and from a new
// connection to the address to.
type forwarder struct {
	l  net.Listener
	to string
	wg sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

func (f *forwarder) serve() {
	for {
		in, err := f.l.Accept()
		if err != nil {
			return // closed
		}
		out, err := net.DialTimeout("tcp", f.to, dindAttempt)
		if err != nil {
			_ = in.Close()
			continue
		}
		if !f.track(in, out) {
			_ = in.Close()
			_ = out.Close()
			return
		}
		go f.pair(in, out)
	}
}

// pair copies both ways between a and b, each end passed on as the other
// connection's end of writing (a client may half-close and read the answer
// after), and closes both once both ways are done.
func (f *forwarder) pair(a, b net.Conn) {
	defer f.wg.Done()
	var both sync.WaitGroup
	both.Add(2)
	half := func(dst, src net.Conn) {
		defer both.Done()
		_, _ = io.Copy(dst, src)
		if tcp, ok := dst.(*net.TCPConn); ok {
			_ = tcp.CloseWrite()
		}
	}
	go half(a, b)
	go half(b, a)
	both.Wait()
	_ = a.Close()
	_ = b.Close()
	f.mu.Lock()
	delete(f.conns, a)
	delete(f.conns, b)
	f.mu.Unlock()
}

// track records a pair of connections for close to close, unless close has
// been called.
func (f *forwarder) track(a, b net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[a] = struct{}{}
	f.conns[b] = struct{}{}
	f.wg.Add(1)
	return true
}

// close stops accepting, closes the connections in flight, and waits until
// their goroutines are done.
func (f *forwarder) close() {
	_ = f.l.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// waitReady waits until the manager lists every node, ready and active, and
// no other.
func (c *SwarmCluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, swarmReady)
	defer cancel()
	want := map[string]string{c.ManagerID: c.ManagerName}
	for _, w := range c.Workers {
		want[w.NodeID] = w.Name
	}
	for {
		nodes, err := c.ManagerAPI.NodeList(ctx, swarm.NodeListOptions{})
		if err != nil {
			return fmt.Errorf("list the swarm's nodes on the manager: %w", err)
		}
		var notReady []string
		for _, n := range nodes {
			name, ok := want[n.ID]
			if !ok {
				return fmt.Errorf("the swarm has a node %s (%s) it should not", n.ID, n.Description.Hostname)
			}
			if n.Status.State != swarm.NodeStateReady || n.Spec.Availability != swarm.NodeAvailabilityActive {
				notReady = append(notReady, fmt.Sprintf("%s %s/%s", name, n.Status.State, n.Spec.Availability))
			}
		}
		if len(nodes) == len(want) && len(notReady) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the swarm's nodes were not all ready (%d of %d listed; not ready: %s): %w",
				len(nodes), len(want), strings.Join(notReady, ", "), ctx.Err())
		case <-time.After(swarmPoll):
		}
	}
}

// Push tags the host engine's image ref as name (a repository, with a tag or
// not) in the registry, pushes it there, and returns the reference by digest
// (Registry.Addr/repository@sha256:...) by which every node pulls that very
// image: deploy services by it. The host engine loses the tag again: the
// registry has the image.
func (c *SwarmCluster) Push(ctx context.Context, ref, name string) (string, error) {
	named, err := reference.ParseNormalizedNamed(c.Registry.Addr + "/" + name)
	if err != nil {
		return "", fmt.Errorf("image name %q in registry %s: %w", name, c.Registry.Addr, err)
	}
	target := reference.TagNameOnly(named).String()
	if err := c.ManagerAPI.ImageTag(ctx, ref, target); err != nil {
		return "", fmt.Errorf("tag image %s as %s on the host engine: %w", ref, target, err)
	}
	defer func() {
		// Untagging, not removing: ref still names the image.
		_, _ = c.ManagerAPI.ImageRemove(context.WithoutCancel(ctx), target, image.RemoveOptions{})
	}()
	stream, err := c.ManagerAPI.ImagePush(ctx, target, image.PushOptions{})
	if err != nil {
		return "", fmt.Errorf("push image %s from the host engine: %w", target, err)
	}
	defer stream.Close()
	digest := ""
	err = engine.DecodeMessages(stream, func(m jsonmessage.JSONMessage) {
		var aux struct{ Digest string }
		if m.Aux != nil && json.Unmarshal(*m.Aux, &aux) == nil && aux.Digest != "" {
			digest = aux.Digest
		}
	})
	if err != nil {
		return "", fmt.Errorf("push image %s from the host engine: %w", target, err)
	}
	if digest == "" {
		return "", fmt.Errorf("push image %s from the host engine: the engine reported no digest", target)
	}
	return named.Name() + "@" + digest, nil
}

// removeServicesAndNetworks removes every service of the swarm, waits until
// their tasks, and the host engine's containers of theirs, are gone, and
// removes every overlay network but ingress (which goes with the swarm). Leaving the swarm would remove the task containers too,
// but not their anonymous volumes (20.10); removing the service does.
func (c *SwarmCluster) removeServicesAndNetworks(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), swarmCleanup)
	defer cancel()
	services, err := c.ManagerAPI.ServiceList(ctx, swarm.ServiceListOptions{})
	if err != nil {
		t.Errorf("list the swarm's services: %v", err)
	}
	for _, s := range services {
		if err := c.ManagerAPI.ServiceRemove(ctx, s.ID); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove service %s: %v", s.Spec.Name, err)
		}
	}
	// A task still pulling has no container yet: wait for the tasks too.
	taskLabel := filters.NewArgs(filters.Arg("label", "com.docker.swarm.task.id"))
	var (
		lastTasks []swarm.Task
		lastLeft  []container.Summary
	)
	for {
		all, err := c.ManagerAPI.TaskList(ctx, swarm.TaskListOptions{})
		// A job's completed task outlives its removed service on 20.10
		// (the swarm never reaps it); one that ended holds nothing.
		tasks := slices.DeleteFunc(all, func(t swarm.Task) bool { return taskEnded(t.Status.State) })
		var left []container.Summary
		if err == nil {
			left, err = c.ManagerAPI.ContainerList(ctx, container.ListOptions{All: true, Filters: taskLabel})
		}
		// The exited container of a removed job's task stays on 20.10 (the
		// swarm forgets the task, not its container): nothing runs in it,
		// and nothing will remove it but us.
		left = slices.DeleteFunc(left, func(ct container.Summary) bool {
			if ct.State != "exited" && ct.State != "dead" && ct.State != "created" {
				return false
			}
			return c.ManagerAPI.ContainerRemove(ctx, ct.ID, container.RemoveOptions{RemoveVolumes: true, Force: true}) == nil
		})
		if err == nil && len(tasks) == 0 && len(left) == 0 {
			break
		}
		if ctx.Err() != nil {
			var what []string
			for _, task := range lastTasks {
				what = append(what, fmt.Sprintf("task %s %s (desired %s)", task.ID, task.Status.State, task.DesiredState))
			}
			for _, c := range lastLeft {
				what = append(what, fmt.Sprintf("container %s %s", strings.Join(c.Names, ","), c.Status))
			}
			t.Errorf("the swarm still has %d task(s) of removed services, the host engine %d container(s) of theirs: %s (last list: %v)", len(lastTasks), len(lastLeft), strings.Join(what, "; "), err)
			break
		}
		if err == nil {
			lastTasks, lastLeft = tasks, left
		}
		time.Sleep(swarmPoll)
	}
	nets, err := c.ManagerAPI.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("scope", "swarm"))})
	if err != nil {
		t.Errorf("list the swarm's networks: %v", err)
	}
	for _, n := range nets {
		if n.Ingress {
			continue
		}
		// A network stays busy for a moment after its last task went.
		err := retry(ctx, func() error { return c.ManagerAPI.NetworkRemove(ctx, n.ID) })
		if err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove network %s of the swarm: %v", n.Name, err)
		}
	}
}

// removeRegistryImages removes the host engine's references to images in
// the registry: those its tasks pulled by digest, and any a test made. The
// registry's address has a port of this swarm's own, so they are all the
// swarm's; an image that has no other reference goes with them.
func (c *SwarmCluster) removeRegistryImages(t testing.TB) {
	t.Helper()
	if c.Registry.Addr == "" {
		return // none started
	}
	ctx, cancel := context.WithTimeout(context.Background(), swarmCleanup)
	defer cancel()
	images, err := c.ManagerAPI.ImageList(ctx, image.ListOptions{})
	if err != nil {
		t.Errorf("list the host engine's images: %v", err)
		return
	}
	prefix := c.Registry.Addr + "/"
	for _, img := range images {
		for _, ref := range append(append([]string{}, img.RepoTags...), img.RepoDigests...) {
			if !strings.HasPrefix(ref, prefix) {
				continue
			}
			if _, err := c.ManagerAPI.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
				t.Errorf("remove image reference %s from the host engine: %v", ref, err)
			}
		}
	}
}

// removeWorker has the worker leave the swarm and removes its node from the
// manager's list. (Dind's cleanup, which runs next, removes its container.)
func (c *SwarmCluster) removeWorker(t testing.TB, w *SwarmWorker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), swarmCleanup)
	defer cancel()
	if err := w.inner.SwarmLeave(ctx, true); err != nil {
		// A test may have stopped the worker: its node goes all the same.
		t.Logf("worker %s leaves the swarm: %v", w.Name, err)
	}
	// Force: the manager may not have seen the worker go down yet.
	if err := c.ManagerAPI.NodeRemove(ctx, w.NodeID, swarm.NodeRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("remove node %s (worker %s) from the swarm: %v", w.NodeID, w.Name, err)
	}
	if _, _, err := c.ManagerAPI.NodeInspectWithRaw(ctx, w.NodeID); !cerrdefs.IsNotFound(err) {
		t.Errorf("node %s (worker %s) is still in the swarm's node list (inspect: %v)", w.NodeID, w.Name, err)
	}
}

// leaveHostSwarm has the host engine leave the swarm (it was in none before
// Swarm) and removes docker_gwbridge, which the swarm made, unless it was
// there before.
func leaveHostSwarm(t testing.TB, api *client.Client, gwbridgeBefore bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), swarmCleanup)
	defer cancel()
	if info, err := api.Info(ctx); err != nil || info.Swarm.LocalNodeState != swarm.LocalNodeStateInactive {
		if err := api.SwarmLeave(ctx, true); err != nil {
			t.Errorf("the host engine leaves the swarm: %v", err)
		}
	}
	if info, err := api.Info(ctx); err != nil || info.Swarm.LocalNodeState != swarm.LocalNodeStateInactive {
		t.Errorf("the host engine's swarm state after leaving is %q, want inactive (info: %v)", info.Swarm.LocalNodeState, err)
	}
	if gwbridgeBefore {
		return
	}
	// Its last endpoints (the ingress sandbox's, the tasks') go just after.
	err := retry(ctx, func() error { return api.NetworkRemove(ctx, gwbridge) })
	if err != nil && !cerrdefs.IsNotFound(err) {
		t.Errorf("remove network %s, which the swarm made: %v", gwbridge, err)
	}
}

// retry calls f until it succeeds, reports the thing missing, or ctx ends,
// and returns its last error.
func retry(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil || cerrdefs.IsNotFound(err) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(swarmPoll):
		}
	}
}

// taskEnded says a task in state s runs nothing and will not again.
func taskEnded(s swarm.TaskState) bool {
	switch s {
	case swarm.TaskStateComplete, swarm.TaskStateShutdown, swarm.TaskStateFailed, swarm.TaskStateRejected, swarm.TaskStateOrphaned, swarm.TaskStateRemove:
		return true
	}
	return false
}
