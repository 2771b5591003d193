package enginetest

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// HostPID is the host's PID of the process an engine gives as pid in
// container id. An engine on this machine gives host PIDs; an engine in a
// container (scripts/engine-current.sh) gives its own PID namespace's, and
// the same number on the host is some other process: signalling it would
// hit a stranger. So the PID is taken only when that process's cgroup
// names the container, else found by its NSpid line, which lists a
// process's PID in each namespace from the host's down.
func HostPID(pid int, id string) (int, error) {
	if inContainer(pid, id) {
		return pid, nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || !inContainer(p, id) {
			continue
		}
		if slices.Contains(nsPIDs(p)[1:], pid) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no process of container %s on this machine is its engine's PID %d", id, pid)
}

func inContainer(pid int, id string) bool {
	cgroup, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	return err == nil && strings.Contains(string(cgroup), id)
}

// nsPIDs are the PIDs of process p from the host's namespace down
// (/proc/p/status's NSpid), at least one.
func nsPIDs(p int) []int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
	if err != nil {
		return []int{p}
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			var pids []int
			for _, f := range strings.Fields(rest) {
				if n, err := strconv.Atoi(f); err == nil {
					pids = append(pids, n)
				}
			}
			if len(pids) > 0 {
				return pids
			}
		}
	}
	return []int{p}
}
