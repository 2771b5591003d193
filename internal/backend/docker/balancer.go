package docker

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/edge"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// balancer is a running load balancer container whose upstream stackctl
// sets: it renders nginx's configuration, copies it in through the API
// (so a remote engine works too) and reloads nginx gracefully.
type balancer struct {
	backend   *Backend
	st        *stack.Stack
	service   *stack.Service
	id, name  string
	addresses []string // what the upstream holds now
	applied   []byte   // the configuration last applied, nil if unknown
}

// configure writes the configuration for addresses into the (possibly not
// yet started) container, and reloads nginx if it runs.
func (b *balancer) configure(ctx context.Context, addresses []string, running bool) error {
	lb := b.service.LoadBalancer
	conf, err := edge.Render(edge.Upstream{Name: lb.Target, Addresses: addresses, Port: lb.TargetPort, ListenPort: lb.ListenPort})
	if err != nil {
		return err
	}
	if b.applied != nil && string(conf) == string(b.applied) {
		return nil
	}
	dir, file := path.Split(edge.ConfigPath)
	if err := b.backend.engine.CopyFiles(ctx, b.id, dir, map[string][]byte{file: conf}); err != nil {
		return fmt.Errorf("configure load balancer %s: %w", b.name, err)
	}
	if running {
		if err := b.exec(ctx, "check configuration", "nginx", "-t", "-q"); err != nil {
			return err
		}
		if err := b.exec(ctx, "reload", "nginx", "-s", "reload"); err != nil {
			return err
		}
	}
	b.applied = conf
	b.addresses = slices.Clone(addresses)
	b.backend.report("container "+b.name, "upstream", fmt.Sprintf("%s: %d replicas", lb.Target, len(addresses)))
	return nil
}

// swap routes to add instead of drop in one reload and, when it drops
// replicas, waits until the requests already routed to them have completed.
func (b *balancer) swap(ctx context.Context, add, drop []string) error {
	next := slices.DeleteFunc(slices.Clone(b.addresses), func(a string) bool { return slices.Contains(drop, a) })
	for _, a := range add {
		if !slices.Contains(next, a) {
			next = append(next, a)
		}
	}
	var before []string
	if len(drop) > 0 {
		var err error
		if before, err = b.workers(ctx); err != nil {
			return err
		}
	}
	if err := b.configure(ctx, next, true); err != nil {
		return err
	}
	if len(drop) == 0 {
		return nil
	}
	return b.drained(ctx, before)
}

// drainTimeout bounds the wait for old nginx workers; requests still in
// flight after it are the replica's own graceful shutdown's to finish.
const drainTimeout = 10 * time.Second

// workerList prints the PIDs of nginx's worker processes, one a line.
const workerList = `for p in /proc/[0-9]*; do grep -qa '^nginx: worker process' "$p/cmdline" 2>/dev/null && echo "${p#/proc/}"; done; true`

// workers are the PIDs of the edge's nginx workers: the ones that route
// requests under the configuration now applied.
func (b *balancer) workers(ctx context.Context) ([]string, error) {
	res, err := b.backend.engine.Exec(ctx, b.id, []string{"sh", "-c", workerList})
	if err != nil {
		return nil, fmt.Errorf("load balancer %s: list nginx's workers: %w", b.name, err)
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("load balancer %s: list nginx's workers: exit %d: %s", b.name, res.ExitCode, strings.TrimSpace(res.Output))
	}
	return strings.Fields(res.Output), nil
}

// drained waits until the workers of the previous configuration, before,
// have exited: each exits once the requests it routed have completed.
// nginx -s reload only signals the master, which starts the new workers
// and retires the old ones after it returns, so the old ones are waited
// for by PID, not by whether a worker is shutting down at some moment.
func (b *balancer) drained(ctx context.Context, before []string) error {
	if len(before) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	cmd := append([]string{"sh", "-c", `for p in "$@"; do [ -e "/proc/$p" ] && exit 1; done; exit 0`, "drained"}, before...)
	gone := b.backend.execPasses(b.id, cmd, drainTimeout)
	if err := wait.Until(ctx, b.backend.probeGap, wait.Paced(gone, maxCheckGap)); err != nil {
		b.backend.report("container "+b.name, "draining", "old workers still busy after "+drainTimeout.String())
	}
	return nil
}

func (b *balancer) exec(ctx context.Context, what string, cmd ...string) error {
	res, err := b.backend.engine.Exec(ctx, b.id, cmd)
	if err != nil {
		return fmt.Errorf("load balancer %s: %s: %w", b.name, what, err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("load balancer %s: %s: %q exited %d: %s", b.name, what, strings.Join(cmd, " "), res.ExitCode, strings.TrimSpace(res.Output))
	}
	return nil
}

// replicaAddresses returns the addresses, on the balancer's network, of the
// running containers of the balanced service, by container ID.
func (b *Backend) replicaAddresses(ctx context.Context, st *stack.Stack, lb *stack.Service, ids []string) ([]string, error) {
	network := st.NetworkName(lb.Networks[0].Name)
	var out []string
	for _, id := range ids {
		c, err := b.engine.ContainerInspect(ctx, id)
		if err != nil {
			return nil, err
		}
		if ip := c.IPs[network]; c.Running() && ip != "" {
			out = append(out, ip)
		}
	}
	return out, nil
}
