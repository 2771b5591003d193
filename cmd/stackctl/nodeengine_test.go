package main

import (
	"maps"
	"strings"
	"testing"
)

func TestParseNodeEngines(t *testing.T) {
	got, err := parseNodeEngines([]string{"worker-1=tcp://10.0.0.7:2375", "k3j2h1=tcp://host-b:2375"}, true)
	want := map[string]string{"worker-1": "tcp://10.0.0.7:2375", "k3j2h1": "tcp://host-b:2375"}
	if err != nil || !maps.Equal(got, want) {
		t.Errorf("parse = %v, %v; want %v", got, err, want)
	}
	for _, tt := range []struct {
		values []string
		swarm  bool
		want   string
	}{
		{[]string{"worker-1=tcp://10.0.0.7:2375"}, false, "goes with --swarm"},
		{[]string{"worker-1"}, true, "want NODE=tcp://HOST:PORT"},
		{[]string{"=tcp://10.0.0.7:2375"}, true, "want NODE=tcp://HOST:PORT"},
		{[]string{"worker-1=10.0.0.7:2375"}, true, "want NODE=tcp://HOST:PORT"},
		{[]string{"worker-1=ssh://me@10.0.0.7"}, true, "want NODE=tcp://HOST:PORT"},
		{[]string{"worker-1=tcp://a:2375", "worker-1=tcp://b:2375"}, true, "names node worker-1 twice"},
	} {
		if _, err := parseNodeEngines(tt.values, tt.swarm); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parse %q (swarm %v): %v, want an error saying %q", tt.values, tt.swarm, err, tt.want)
		}
	}
	if got, err := parseNodeEngines(nil, false); err != nil || got != nil {
		t.Errorf("no --node-engine: %v, %v; want nothing", got, err)
	}
}
