// Package swarmbench runs the swarm comparison of package bench
// (bench.RunSwarm), stackctl --swarm against docker stack deploy, as the Go
// benchmark BenchmarkSwarm, on the swarm the repository's test harness
// makes: the host engine as manager, two engines in containers as workers,
// and a registry every node pulls from (internal/enginetest). That harness
// is the one part of the root module the benchmarks import; this package
// holds nothing else, so package bench and stackbench stand on their own.
// `make bench-swarm` runs it.
package swarmbench
