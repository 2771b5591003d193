package main

import (
	"fmt"
	"net/url"
	"strings"
)

// parseNodeEngines reads --node-engine NODE=tcp://HOST:PORT values: the
// engine API of a swarm node other than the manager, by its hostname or
// node ID. They mean something only with --swarm.
func parseNodeEngines(values []string, swarm bool) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	if !swarm {
		return nil, fmt.Errorf("--node-engine %q: names a swarm node's engine, and goes with --swarm", values[0])
	}
	hosts := make(map[string]string, len(values))
	for _, v := range values {
		node, host, ok := strings.Cut(v, "=")
		u, err := url.Parse(host)
		if !ok || strings.TrimSpace(node) == "" || err != nil || u.Scheme != "tcp" || u.Host == "" {
			return nil, fmt.Errorf("--node-engine %q: want NODE=tcp://HOST:PORT, NODE a node's hostname or ID as `stackctl --swarm ps` shows it", v)
		}
		if prev, dup := hosts[node]; dup && prev != host {
			return nil, fmt.Errorf("--node-engine names node %s twice: %s and %s", node, prev, host)
		}
		hosts[node] = host
	}
	return hosts, nil
}
