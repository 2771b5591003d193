package docker

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/stackctl/stackctl/internal/edge"
	"github.com/stackctl/stackctl/internal/engine"
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
// yet started) container and, if nginx runs, checks and reloads it. It
// returns the PIDs of the workers the reload retires: they go on routing
// the requests they took under the previous configuration.
func (b *balancer) configure(ctx context.Context, addresses []string, running bool) ([]string, error) {
	lb := b.service.LoadBalancer
	conf, err := edge.Render(edge.Upstream{Name: lb.Target, Addresses: addresses, Port: lb.TargetPort, ListenPort: lb.ListenPort})
	if err != nil {
		return nil, err
	}
	if b.applied != nil && string(conf) == string(b.applied) {
		return nil, nil
	}
	dir, file := path.Split(edge.ConfigPath)
	if err := b.backend.engine.CopyFiles(ctx, b.id, dir, map[string][]byte{file: conf}); err != nil {
		return nil, fmt.Errorf("configure load balancer %s: %w", b.name, err)
	}
	var retired []string
	if running {
		if retired, err = b.reload(ctx); err != nil {
			return nil, err
		}
	}
	b.applied = conf
	b.addresses = slices.Clone(addresses)
	b.backend.report("container "+b.name, "upstream", fmt.Sprintf("%s: %d replicas", lb.Target, len(addresses)))
	return retired, nil
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
	retired, err := b.configure(ctx, next, true)
	if err != nil || len(drop) == 0 {
		return err
	}
	return b.drained(ctx, retired)
}

// reloadScript checks the configuration copied in, lists the PIDs of the
// workers that route under the one applied now, then has nginx reload. It
// is one exec rather than three, as each exec costs a round of the
// engine's API while the new replica waits for its traffic. A failed check
// exits checkFailed and leaves nginx as it was.
const reloadScript = `nginx -t -q || exit 10
for p in /proc/[0-9]*; do grep -qa '^nginx: worker process' "$p/cmdline" 2>/dev/null && echo "worker ${p#/proc/}"; done
exec nginx -s reload`

const checkFailed = 10

// reload applies the configuration copied in and returns the PIDs of the
// workers it retires.
func (b *balancer) reload(ctx context.Context) ([]string, error) {
	res, err := b.backend.engine.Exec(ctx, b.id, []string{"sh", "-c", reloadScript})
	if err != nil {
		return nil, fmt.Errorf("load balancer %s: reload: %w", b.name, err)
	}
	return reloaded(b.name, res)
}

// reloaded reads reloadScript's outcome: the retired workers' PIDs, or
// what nginx said when it failed.
func reloaded(name string, res engine.ExecResult) ([]string, error) {
	var workers, said []string
	for _, line := range strings.Split(strings.TrimSpace(res.Output), "\n") {
		if pid, ok := strings.CutPrefix(line, "worker "); ok {
			workers = append(workers, pid)
		} else if line != "" {
			said = append(said, line)
		}
	}
	switch res.ExitCode {
	case 0:
		return workers, nil
	case checkFailed:
		return nil, fmt.Errorf("load balancer %s: check configuration: nginx -t failed: %s", name, strings.Join(said, "; "))
	default:
		return nil, fmt.Errorf("load balancer %s: reload: nginx -s reload exited %d: %s", name, res.ExitCode, strings.Join(said, "; "))
	}
}

// drainTimeout bounds the wait for old nginx workers; requests still in
// flight after it are the replica's own graceful shutdown's to finish.
const drainTimeout = 10 * time.Second

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
