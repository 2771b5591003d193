package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Machine says what a run ran on, and how busy the machine was: the numbers
// mean little without it on a small machine shared with other work.
type Machine struct {
	CPUs      int     `json:"cpus"`
	CPUModel  string  `json:"cpu_model,omitempty"`
	MemoryGiB float64 `json:"memory_gib,omitempty"`
	OS        string  `json:"os,omitempty"`
	Kernel    string  `json:"kernel,omitempty"`
	// Load averages (1, 5 and 15 minutes) when the run began and ended,
	// and the highest 1-minute average seen in between (read every
	// loadEvery).
	LoadStart [3]float64 `json:"load_start"`
	LoadEnd   [3]float64 `json:"load_end"`
	LoadMax1  float64    `json:"load_max_1m"`

	mu sync.Mutex
}

const loadEvery = 15 * time.Second

// readMachine describes this machine from /proc and /etc/os-release; what
// cannot be read is left empty.
func readMachine() *Machine {
	m := &Machine{CPUs: runtime.NumCPU()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kib, err := strconv.ParseFloat(f[1], 64); err == nil {
					m.MemoryGiB = kib / (1 << 20)
				}
			}
		}
	}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		for line := range strings.Lines(string(data)) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`)
			}
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	m.LoadStart, _ = loadAverage()
	m.LoadMax1 = m.LoadStart[0]
	return m
}

// loadAverage reads the 1, 5 and 15 minute load averages.
func loadAverage() ([3]float64, error) {
	var out [3]float64
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return out, err
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return out, fmt.Errorf("/proc/loadavg: %q", data)
	}
	for i := range out {
		if out[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return out, fmt.Errorf("/proc/loadavg: %w", err)
		}
	}
	return out, nil
}

// sampleLoad keeps m's highest 1-minute load average up to date until the
// returned function is called, which also reads the final averages.
func sampleLoad(m *Machine) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	observe := func() [3]float64 {
		l, err := loadAverage()
		if err == nil {
			m.mu.Lock()
			m.LoadMax1 = max(m.LoadMax1, l[0])
			m.mu.Unlock()
		}
		return l
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(loadEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				observe()
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		m.LoadEnd = observe()
	}
}

// String is the machine in one line, for the report and the charts.
func (m *Machine) String() string {
	if m == nil {
		return "machine not recorded"
	}
	parts := []string{fmt.Sprintf("%d CPUs", m.CPUs)}
	if m.CPUModel != "" {
		parts[0] += " (" + m.CPUModel + ")"
	}
	if m.MemoryGiB > 0 {
		parts = append(parts, fmt.Sprintf("%.0f GiB", m.MemoryGiB))
	}
	if m.OS != "" {
		parts = append(parts, m.OS)
	}
	if m.Kernel != "" {
		parts = append(parts, "Linux "+m.Kernel)
	}
	return strings.Join(parts, ", ")
}

// LoadText is the load averages in one line.
func (m *Machine) LoadText() string {
	if m == nil {
		return "load average not recorded"
	}
	f := func(l [3]float64) string { return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2]) }
	return fmt.Sprintf("load average (1/5/15 min) %s at the start, %s at the end, 1-min at most %.2f", f(m.LoadStart), f(m.LoadEnd), m.LoadMax1)
}
