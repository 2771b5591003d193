package main

import (
	"fmt"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/backend/crash"
)

// newSignalPidCmd is what the crash helper container runs: SIGKILL to a
// process of the engine's host, seen from the host's PID namespace. It is
// not for users, and hidden.
func newSignalPidCmd() *cobra.Command {
	return &cobra.Command{
		Use:    crash.SignalPidCommand + " PID",
		Short:  "Send SIGKILL to a host process (run by the crash helper container)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			pid, err := strconv.Atoi(args[0])
			if err != nil || pid <= 1 {
				return fmt.Errorf("%s %q: want a process ID above 1", crash.SignalPidCommand, args[0])
			}
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				return fmt.Errorf("SIGKILL to PID %d: %w", pid, err)
			}
			return nil
		},
	}
}
