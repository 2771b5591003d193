package docker_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/versions"

	"github.com/stackctl/stackctl/internal/backend"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// What a container's creation asks of the engine depends on its API
// version: from 1.44 the engine probes at the healthcheck's start_interval
// during the start period, and a container joins every network at its
// creation, each with its own MAC address; before, stackctl's own probe
// covers the start period, the networks after the first are joined before
// the start, and a MAC address on one of those is refused. make test runs
// this on the host engine (API 1.41) and on the current one (1.56): each
// asserts the path its engine takes.
func TestEngineVersionIntegrationStartIntervalAndNetworksAtCreation(t *testing.T) {
	itgParallel(t)
	e := newItgEnv(t)
	ctx := enginetest.Context(t, 3*time.Minute)
	api := e.cli.APIVersion()
	current := !versions.LessThan(api, "1.44")
	t.Logf("the engine at %s speaks API %s", e.cli.Host(), api)

	// probe's networks: beta's MAC address is the one 1.41 cannot take.
	file := func(networks string) string {
		return `
services:
  probe:
    image: redis:7
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 30s
      start_period: 60s
      start_interval: 1s
    networks:` + networks + `
networks:
  alpha:
  beta:
`
	}
	st, _ := e.composeStack(ctx, file(`
      alpha: {priority: 100}
      beta: {mac_address: "02:42:ac:1d:00:07"}`))
	res, err := e.orch.Up(ctx, st, backend.UpOptions{})
	if !current {
		want := "a MAC address on network " + e.project + "_beta, not the first needs API 1.44 (Docker Engine 25.0); the engine speaks API " + api
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("up on API %s: %v; want the refusal %q", api, err, want)
		}
		// Without the MAC address, the start interval is stackctl's alone.
		st, _ = e.composeStack(ctx, file(" [alpha, beta]"))
		res = e.up(ctx, st, backend.UpOptions{})
	} else if err != nil {
		t.Fatalf("up on API %s: %v", api, err)
	}

	probe := itgByService(t, res.Containers)["probe"]
	raw, err := e.api.ContainerInspect(ctx, probe.ID)
	if err != nil {
		t.Fatal(err)
	}
	hc := raw.Config.Healthcheck
	if hc == nil {
		t.Fatalf("container %s has no healthcheck", probe.Name)
	}
	switch {
	case current && hc.StartInterval != time.Second:
		t.Errorf("API %s: the engine's start interval is %s, want the file's 1s", api, hc.StartInterval)
	case !current && hc.StartInterval != 0:
		t.Errorf("API %s: the engine's start interval is %s, want none (the engine does not know it)", api, hc.StartInterval)
	}
	if current {
		// The engine's own probe runs every second in the start period, not
		// every 30: healthy in the engine's eyes within seconds.
		enginetest.Eventually(t, 15*time.Second, "the engine reports probe healthy", func() error {
			c, err := e.cli.ContainerInspect(ctx, probe.ID)
			if err == nil && c.Health != "healthy" {
				err = fmt.Errorf("health %q", c.Health)
			}
			return err
		})
	}
	for _, net := range []string{e.project + "_alpha", e.project + "_beta"} {
		if raw.NetworkSettings.Networks[net] == nil {
			t.Errorf("container %s is not on network %s: %v", probe.Name, net, raw.NetworkSettings.Networks)
		}
	}
	if current {
		if ep := raw.NetworkSettings.Networks[e.project+"_beta"]; ep == nil || ep.MacAddress != "02:42:ac:1d:00:07" {
			t.Errorf("API %s: network beta's endpoint %+v, want MAC address 02:42:ac:1d:00:07", api, ep)
		}
	}
}
