package bench

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// A swarm without IPVS has no routing mesh: each task of web publishes its
// port in host mode on its own node, and nothing balances between them. The
// benchmark's clients know every node's address, as a client given a list
// of servers (or DNS round robin over the nodes) does.

// firstAnswer probes every url at once, each as waitWeb does, and returns
// when the first answered 200, and which.
func firstAnswer(ctx context.Context, client *http.Client, urls []string) (time.Time, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		at  time.Time
		url string
		err error
	}
	answers := make(chan answer, len(urls))
	for _, u := range urls {
		go func() {
			at, err := waitWeb(ctx, client, u)
			answers <- answer{at, u, err}
		}()
	}
	var errs []error
	for range urls {
		a := <-answers
		if a.err == nil {
			return a.at, a.url, nil
		}
		errs = append(errs, a.err)
	}
	return time.Time{}, "", errors.Join(errs...)
}

// swarmLoop is the update's client: one GET / per webGap, as the soak's
// client sends them, each to the next node in turn and, when that one does
// not answer 200, to the other nodes in order, within the same request. A
// request fails only when no node answered it: the stack as a whole did
// not serve. (A node without a task of web refuses at once, so trying it
// costs next to nothing.)
func swarmLoop(ctx context.Context, client *http.Client, dialer *soakDialer, urls []string, tally *soakTally) time.Time {
	next := 0
	return tallyLoop(ctx, dialer, tally, func(ctx context.Context) (bool, string) {
		first := next
		next = (next + 1) % len(urls)
		var failures []string
		for i := range urls {
			url := urls[(first+i)%len(urls)]
			ok, failure := soakGet(ctx, client, url)
			if ok {
				return true, ""
			}
			failures = append(failures, url+" "+failure)
		}
		return false, strings.Join(failures, "; ")
	})
}
