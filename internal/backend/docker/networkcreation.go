package docker

import (
	"context"
	"sync"

	"github.com/stackctl/stackctl/internal/stack"
)

// A project's missing networks are made while its containers are created,
// not before: the engine creates a container whose network does not exist
// yet, and only starting it needs the network. A bridge network costs the
// engine about 80 ms of iptables rules here, which so leave the way to the
// first start. Prepare checks the networks (whose they are, whether
// external ones exist) before anything is made, and begins the creation;
// the run's starts, and its end, wait for it.

// networkCreation is the making of one run's missing networks.
type networkCreation struct {
	done chan struct{}
	err  error
}

// beginNetworks makes missing in the background; nil when nothing is
// missing.
func (b *Backend) beginNetworks(ctx context.Context, missing []resource) *networkCreation {
	if len(missing) == 0 {
		return nil
	}
	n := &networkCreation{done: make(chan struct{})}
	go func() {
		defer close(n.done)
		n.err = forEach(missing, b.createOwned)
	}()
	return n
}

// wait returns once the networks are made, with the failure to make one.
func (n *networkCreation) wait(ctx context.Context) error {
	if n == nil {
		return nil
	}
	select {
	case <-n.done:
		return n.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pendingNetworks hands a project's network creation from Prepare to the
// run that Converge begins next.
type pendingNetworks struct {
	mu      sync.Mutex
	project map[string]*networkCreation
}

func (p *pendingNetworks) put(st *stack.Stack, n *networkCreation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.project == nil {
		p.project = map[string]*networkCreation{}
	}
	p.project[st.Project] = n
}

func (p *pendingNetworks) take(st *stack.Stack) *networkCreation {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.project[st.Project]
	delete(p.project, st.Project)
	return n
}
