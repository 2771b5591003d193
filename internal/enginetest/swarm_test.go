package enginetest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// probePort is where the probe's services listen, in their containers.
const probePort = 8080

// TestSwarmRunsAPushedImageAcrossNodesAndCleansUp checks the harness end to
// end: three nodes ready; an image made on the host and pushed to the
// registry, which no worker has, runs by digest on a worker; a task on the
// manager and one on the worker reach each other over an overlay network by
// tasks.<service> (dnsrr: the kernel may lack IPVS); and when the test ends
// the host engine is in no swarm and keeps nothing the swarm made.
func TestSwarmRunsAPushedImageAcrossNodesAndCleansUp(t *testing.T) {
	host := enginetest.Connect(t)
	api, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	probe := buildProbe(t)

	var left swarmLeftovers
	t.Run("cluster", func(t *testing.T) {
		c := enginetest.Swarm(t, 2)
		left = recordSwarm(t, c)
		ctx := enginetest.Context(t, 5*time.Minute)
		project := enginetest.ProjectName(t)
		checkNodes(ctx, t, c)

		ref := project + "-probe:1"
		if err := host.ImageCreate(ctx, ref, []engine.ImageFile{{Path: "swarmprobe", Mode: 0o755, Data: probe}},
			map[string]string{enginetest.DindLabel: "swarm-probe"}, []string{"/swarmprobe"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = host.ImageRemove(context.Background(), ref) })
		img, err := host.ImageInspect(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.Workers {
			if _, err := w.Client.ImageInspect(ctx, img.ID); !errors.Is(err, engine.ErrNotFound) {
				t.Fatalf("worker %s has image %s before the push (inspect: %v); the test would prove nothing", w.Name, img.ID, err)
			}
		}
		start := time.Now()
		pinned, err := c.Push(ctx, ref, "stackctl-test/swarmprobe:1")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("pushed %s as %s in %s", ref, pinned, time.Since(start).Round(time.Millisecond))
		if !strings.HasPrefix(pinned, c.Registry.Addr+"/stackctl-test/swarmprobe@sha256:") {
			t.Errorf("Push returned %q, want %s/stackctl-test/swarmprobe@sha256:...", pinned, c.Registry.Addr)
		}

		overlay, err := c.ManagerAPI.NetworkCreate(ctx, project+"-overlay", network.CreateOptions{Driver: "overlay"})
		if err != nil {
			t.Fatalf("create overlay network %s-overlay: %v", project, err)
		}
		left.networks = append(left.networks, overlay.ID)
		back := createProbeService(ctx, t, c, project+"-back", pinned, overlay.ID, "node.role==worker")
		front := createProbeService(ctx, t, c, project+"-front", pinned, overlay.ID, "node.role==manager")
		backTask := waitForRunningTask(ctx, t, c, back)
		frontTask := waitForRunningTask(ctx, t, c, front)

		var worker *enginetest.SwarmWorker
		for _, w := range c.Workers {
			if w.NodeID == backTask.NodeID {
				worker = w
			}
		}
		if worker == nil {
			t.Fatalf("service %s's task runs on node %s, which is no worker", back, backTask.NodeID)
		}
		if frontTask.NodeID != c.ManagerID {
			t.Fatalf("service %s's task runs on node %s, not on the manager %s", front, frontTask.NodeID, c.ManagerID)
		}
		pulled, err := worker.Client.ImageInspect(ctx, pinned)
		if err != nil {
			t.Fatalf("worker %s runs the task but has no image %s: %v", worker.Name, pinned, err)
		}
		if pulled.ID != img.ID {
			t.Errorf("worker %s pulled image %s as %s, want the host's %s", worker.Name, pinned, pulled.ID, img.ID)
		}

		// Each side asks the other by tasks.<service>; the answer is the
		// answering task's hostname, its node's name.
		ask := func(cli *engine.Client, containerID, service, want string) {
			t.Helper()
			addr := fmt.Sprintf("tasks.%s:%d", service, probePort)
			enginetest.Eventually(t, time.Minute, "GET "+addr+" answers "+want, func() error {
				res, err := cli.Exec(ctx, containerID, []string{"/swarmprobe", "get", addr})
				if err != nil {
					return err
				}
				if res.ExitCode != 0 || strings.TrimSpace(res.Output) != want {
					return fmt.Errorf("swarmprobe get %s: exit %d, %q", addr, res.ExitCode, res.Output)
				}
				return nil
			})
		}
		ask(host, frontTask.Status.ContainerStatus.ContainerID, back, worker.Name)
		ask(worker.Client, backTask.Status.ContainerStatus.ContainerID, front, c.ManagerName)

		left.recordGWBridge(ctx, t, c)
	})
	left.requireNone(t, host, api)
}

// buildProbe builds testdata/swarmprobe, statically: it runs alone in its
// image.
func buildProbe(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "swarmprobe")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s", "-o", out, "./testdata/swarmprobe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build testdata/swarmprobe: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkNodes checks that the manager lists the host engine as the one
// manager, the leader, and each worker under its name, all ready.
func checkNodes(ctx context.Context, t *testing.T, c *enginetest.SwarmCluster) {
	t.Helper()
	nodes, err := c.ManagerAPI.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1+len(c.Workers) {
		t.Errorf("the swarm lists %d nodes, want %d", len(nodes), 1+len(c.Workers))
	}
	byID := map[string]swarm.Node{}
	for _, n := range nodes {
		byID[n.ID] = n
		if n.Status.State != swarm.NodeStateReady {
			t.Errorf("node %s (%s) is %s, want ready", n.ID, n.Description.Hostname, n.Status.State)
		}
	}
	if m := byID[c.ManagerID]; m.Spec.Role != swarm.NodeRoleManager || m.ManagerStatus == nil || !m.ManagerStatus.Leader ||
		m.Description.Hostname != c.ManagerName {
		t.Errorf("the manager's node %s: role %q, hostname %q, manager status %+v; want the leading manager, %s",
			c.ManagerID, m.Spec.Role, m.Description.Hostname, m.ManagerStatus, c.ManagerName)
	}
	for _, w := range c.Workers {
		n, ok := byID[w.NodeID]
		if !ok || n.Spec.Role != swarm.NodeRoleWorker || n.Description.Hostname != w.Name {
			t.Errorf("worker %s's node %s: listed %v, role %q, hostname %q; want a worker named %s",
				w.Name, w.NodeID, ok, n.Spec.Role, n.Description.Hostname, w.Name)
		}
	}
}

// createProbeService runs one task of the probe's image, serving, on the
// network, where constraint places it, and returns the service's name.
func createProbeService(ctx context.Context, t *testing.T, c *enginetest.SwarmCluster, name, image, networkID, constraint string) string {
	t.Helper()
	one := uint64(1)
	_, err := c.ManagerAPI.ServiceCreate(ctx, swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name},
		Mode:        swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &one}},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image:    image,
				Args:     []string{"serve", fmt.Sprintf(":%d", probePort)},
				Hostname: "{{.Node.Hostname}}",
			},
			Placement: &swarm.Placement{Constraints: []string{constraint}},
			Networks:  []swarm.NetworkAttachmentConfig{{Target: networkID}},
			// One try: a failure (an image no node can pull) shows at once.
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
		},
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR},
	}, swarm.ServiceCreateOptions{})
	if err != nil {
		t.Fatalf("create service %s: %v", name, err)
	}
	return name
}

// waitForRunningTask waits until the service has a running task and returns
// it, and fails the test at once if its task failed.
func waitForRunningTask(ctx context.Context, t *testing.T, c *enginetest.SwarmCluster, service string) swarm.Task {
	t.Helper()
	var running swarm.Task
	enginetest.Eventually(t, 2*time.Minute, "service "+service+" has a running task", func() error {
		tasks, err := c.ManagerAPI.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", service))})
		if err != nil {
			return err
		}
		var states []string
		for _, task := range tasks {
			switch task.Status.State {
			case swarm.TaskStateRunning:
				if task.Status.ContainerStatus != nil && task.Status.ContainerStatus.ContainerID != "" {
					running = task
					return nil
				}
			case swarm.TaskStateFailed, swarm.TaskStateRejected:
				t.Fatalf("service %s's task on node %s is %s: %s", service, task.NodeID, task.Status.State, task.Status.Err)
			}
			states = append(states, fmt.Sprintf("%s (%s)", task.Status.State, task.Status.Message))
		}
		return fmt.Errorf("tasks: %v", states)
	})
	return running
}

// swarmLeftovers is what a swarm made, by ID: the IDs of another test's
// swarm, which may start as soon as this one is gone, differ.
type swarmLeftovers struct {
	managerID string
	workers   []leftovers
	registry  leftovers
	// networks are the swarm's networks: ingress and the test's.
	networks []string
	// gwbridge is docker_gwbridge's ID if the swarm made it, kept its ID
	// if it was there before.
	gwbridge, kept string
}

func recordSwarm(t *testing.T, c *enginetest.SwarmCluster) swarmLeftovers {
	t.Helper()
	l := swarmLeftovers{
		managerID: c.ManagerID,
		registry:  leftovers{name: "registry", container: c.Registry.ContainerID, volumes: c.Registry.Volumes},
	}
	if len(c.Registry.Volumes) == 0 {
		t.Fatalf("the registry container has no anonymous volume for its storage")
	}
	for _, w := range c.Workers {
		l.workers = append(l.workers, recordLeftovers(t, w.InnerEngine))
	}
	nets, err := c.ManagerAPI.NetworkList(context.Background(), network.ListOptions{Filters: filters.NewArgs(filters.Arg("scope", "swarm"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nets {
		l.networks = append(l.networks, n.ID)
	}
	return l
}

// recordGWBridge records docker_gwbridge, which the swarm's tasks use: made
// by this swarm (after the manager's node) or there before it.
func (l *swarmLeftovers) recordGWBridge(ctx context.Context, t *testing.T, c *enginetest.SwarmCluster) {
	t.Helper()
	gw, err := c.ManagerAPI.NetworkInspect(ctx, "docker_gwbridge", network.InspectOptions{})
	if err != nil {
		t.Fatalf("docker_gwbridge while tasks run on the manager: %v", err)
	}
	node, _, err := c.ManagerAPI.NodeInspectWithRaw(ctx, c.ManagerID)
	if err != nil {
		t.Fatal(err)
	}
	if gw.Created.Before(node.CreatedAt) {
		l.kept = gw.ID
	} else {
		l.gwbridge = gw.ID
	}
}

func (l swarmLeftovers) requireNone(t *testing.T, host *engine.Client, api *client.Client) {
	t.Helper()
	ctx := context.Background()
	if l.managerID == "" {
		t.Fatal("the subtest made no swarm")
	}
	info, err := api.Info(ctx)
	switch {
	case err != nil:
		t.Fatal(err)
	case info.Swarm.NodeID == l.managerID:
		t.Errorf("the host engine is still node %s of the swarm (state %q)", l.managerID, info.Swarm.LocalNodeState)
	case info.Swarm.LocalNodeState != swarm.LocalNodeStateInactive:
		// Another package's test may have taken the lock since.
		t.Logf("the host engine is in another swarm now (node %s): not this test's", info.Swarm.NodeID)
	}
	for _, w := range l.workers {
		w.requireNone(t, host)
	}
	if _, err := host.ContainerInspect(ctx, l.registry.container); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("registry container %s is still on the host engine (inspect: %v)", l.registry.container, err)
	}
	for _, v := range l.registry.volumes {
		if _, err := host.VolumeInspect(ctx, v); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("registry volume %s is still on the host engine (inspect: %v)", v, err)
		}
	}
	if len(l.networks) < 2 {
		t.Errorf("recorded swarm networks %v; want ingress and the test's overlay network", l.networks)
	}
	gone := append([]string{}, l.networks...)
	if l.gwbridge != "" {
		gone = append(gone, l.gwbridge)
	}
	for _, id := range gone {
		if _, err := api.NetworkInspect(ctx, id, network.InspectOptions{}); !cerrdefs.IsNotFound(err) {
			t.Errorf("network %s the swarm made is still on the host engine (inspect: %v)", id, err)
		}
	}
	if l.kept != "" {
		if _, err := api.NetworkInspect(ctx, l.kept, network.InspectOptions{}); err != nil {
			t.Errorf("docker_gwbridge (%s), there before the swarm, is gone: %v", l.kept, err)
		}
	}
	images, err := api.ImageList(ctx, image.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range images {
		if img.Labels[enginetest.DindLabel] == "swarm-probe" {
			t.Errorf("the probe's image %s (%v %v) is still on the host engine", img.ID, img.RepoTags, img.RepoDigests)
		}
	}
}
