package enginetest

import (
	"os"
	"strings"
	"testing"
)

// This process is in no container: its PID is refused for a container it
// is not in, and its NSpid line lists its own PID first.
func TestHostPIDRefusesAProcessOutsideTheContainer(t *testing.T) {
	self := os.Getpid()
	if got := nsPIDs(self); len(got) == 0 || got[0] != self {
		t.Errorf("nsPIDs(%d) = %v, want %d first", self, got, self)
	}
	id := strings.Repeat("f", 64)
	if pid, err := HostPID(self, id); err == nil {
		t.Errorf("HostPID(%d, a container no process is in) = %d, want an error", self, pid)
	}
}
