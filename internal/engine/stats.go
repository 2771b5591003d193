package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/docker/docker/api/types/container"
)

// Usage is what a container uses of the machine at one moment, computed
// as the docker CLI's stats computes it.
type Usage struct {
	// CPUPercent is of one CPU: 200 is two CPUs busy.
	CPUPercent float64
	// MemUsage excludes the page cache (inactive_file), as docker stats.
	MemUsage, MemLimit uint64
	MemPercent         float64
	NetRx, NetTx       uint64
	BlockRead          uint64
	BlockWrite         uint64
	PIDs               uint64
}

// ContainerUsage samples a container's usage once: the engine waits for a
// second sample to tell the CPU use between them.
func (c *Client) ContainerUsage(ctx context.Context, ref string) (Usage, error) {
	resp, err := c.api.ContainerStats(ctx, ref, false)
	if err != nil {
		return Usage{}, classify(err, "read the usage of container %s", ref)
	}
	defer resp.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return Usage{}, fmt.Errorf("read the usage of container %s: %w", ref, err)
	}
	return usageOf(s), nil
}

// usageOf computes the docker CLI's columns from the engine's sample
// (Linux containers, cgroup v1 or v2).
func usageOf(s container.StatsResponse) Usage {
	u := Usage{MemLimit: s.MemoryStats.Limit, PIDs: s.PidsStats.Current}
	cpuDelta := float64(s.CPUStats.CPUUsage.TotalUsage) - float64(s.PreCPUStats.CPUUsage.TotalUsage)
	systemDelta := float64(s.CPUStats.SystemUsage) - float64(s.PreCPUStats.SystemUsage)
	cpus := float64(s.CPUStats.OnlineCPUs)
	if cpus == 0 {
		cpus = float64(len(s.CPUStats.CPUUsage.PercpuUsage))
	}
	if cpuDelta > 0 && systemDelta > 0 {
		u.CPUPercent = cpuDelta / systemDelta * cpus * 100
	}
	u.MemUsage = s.MemoryStats.Usage
	for _, key := range []string{"total_inactive_file", "inactive_file"} {
		if v, ok := s.MemoryStats.Stats[key]; ok && v < u.MemUsage {
			u.MemUsage -= v
			break
		}
	}
	if u.MemLimit > 0 {
		u.MemPercent = float64(u.MemUsage) / float64(u.MemLimit) * 100
	}
	for _, n := range s.Networks {
		u.NetRx += n.RxBytes
		u.NetTx += n.TxBytes
	}
	for _, e := range s.BlkioStats.IoServiceBytesRecursive {
		switch e.Op {
		case "read", "Read":
			u.BlockRead += e.Value
		case "write", "Write":
			u.BlockWrite += e.Value
		}
	}
	return u
}
