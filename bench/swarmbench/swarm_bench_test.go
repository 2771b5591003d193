package swarmbench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/stackctl/stackctl/bench"
	"github.com/stackctl/stackctl/internal/enginetest"
)

// The swarm comparison's settings: `make bench-swarm` passes them after
// -args. Relative paths are the repository root's (this test runs in
// bench/swarmbench).
var (
	swarmRounds    = flag.Int("swarm.rounds", 3, "rounds: each a fresh deploy of each stack by each tool")
	swarmStackList = flag.String("swarm.stacks", strings.Join(bench.SwarmStackKeys(), ","), "comma-separated stacks to run: "+strings.Join(bench.SwarmStackKeys(), ", "))
	swarmJSON      = flag.String("swarm.json", "", "also write the results as JSON to this path")
	swarmCharts    = flag.String("swarm.charts", "", "also draw the results as PNG charts into this directory")
	swarmBin       = flag.String("swarm.stackctl", "bin/stackctl", "the stackctl binary to measure (make build)")
)

// BenchmarkSwarm runs the swarm comparison (bench.RunSwarm) once, whatever b.N,
// on a swarm of the host engine and two engines in containers
// (enginetest.Swarm: STACKCTL_INTEGRATION=1, root, and the machine's swarm
// lock), and prints its table. Not a Go benchmark of a function: the
// benchmark form keeps it out of `go test` runs without -bench, make
// test's included. Run it with `make bench-swarm`.
func BenchmarkSwarm(b *testing.B) {
	cluster := enginetest.Swarm(b, 2)
	// Ctrl-C (or SIGTERM) ends the run, which then removes what it made,
	// and the swarm's cleanup runs; the output says which signal came.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	go func() {
		select {
		case sig := <-signals:
			fmt.Printf("swarmbench: %s at %s: stopping, then removing what the run made\n", sig, time.Now().Format("15:04:05.000"))
			cancel()
		case <-ctx.Done():
		}
	}()
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		b.Fatal(err)
	}
	fromRepo := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(repo, p)
	}
	var stacks []string
	for _, s := range strings.Split(*swarmStackList, ",") {
		if s = strings.TrimSpace(s); s != "" {
			stacks = append(stacks, s)
		}
	}
	// The benchmark talks to every engine through clients of its own.
	nodes := []bench.SwarmNode{{ID: cluster.ManagerID, Name: cluster.ManagerName, Role: "manager", Addr: "127.0.0.1", Engine: cluster.ManagerAPI}}
	for _, w := range cluster.Workers {
		cli, err := client.NewClientWithOpts(client.WithHost(w.Host), client.WithAPIVersionNegotiation())
		if err != nil {
			b.Fatalf("a client of worker %s at %s: %v", w.Name, w.Host, err)
		}
		defer cli.Close()
		nodes = append(nodes, bench.SwarmNode{ID: w.NodeID, Name: w.Name, Role: "worker", Addr: w.IP, Engine: cli})
	}
	report, err := bench.RunSwarm(ctx,
		bench.SwarmConfig{RepoDir: repo, StackctlBin: fromRepo(*swarmBin), Rounds: *swarmRounds, Stacks: stacks, Log: os.Stdout},
		bench.SwarmTarget{Manager: cluster.ManagerAPI, Registry: cluster.Registry.Addr, Nodes: nodes, Push: cluster.Push})
	if report != nil {
		report.PrintTable(os.Stdout)
		if path := fromRepo(*swarmJSON); path != "" {
			if err := report.WriteJSON(path); err != nil {
				b.Error(err)
			}
			b.Logf("results written to %s", path)
		}
		if dir := fromRepo(*swarmCharts); dir != "" && len(report.Samples) > 0 {
			written, err := report.WriteCharts(dir)
			if err != nil {
				b.Error(err)
			}
			for _, path := range written {
				b.Logf("chart written to %s", path)
			}
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	if len(report.Errors) > 0 {
		b.Errorf("%d steps failed (listed above)", len(report.Errors))
	}
}
