// Package startgate lets a container start before its service's
// dependencies are ready without running the service early. The
// container's first process is stackctl itself (`stackctl hold`), from a
// volume of the project's; it waits until its marker exists and then
// replaces itself (execve) with the service's own command, which keeps
// PID 1, the environment, the user and every signal. stackctl writes the
// marker into the markers volume once the dependencies are ready, so the
// slow part of a container's start (its namespaces, network and published
// ports) happens while the dependencies are still starting, and only the
// exec waits for them.
//
// The marker stays in the volume: when the engine starts the container
// again (its restart policy, an engine restart, stop and start), the gate
// finds it and passes at once, as a container without a gate would start.
package startgate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/wait"
)

const (
	// BinaryDir is where the volume holding the stackctl binary is
	// mounted, read-only, and Binary the binary in it.
	BinaryDir = "/.stackctl/gate"
	Binary    = BinaryDir + "/stackctl"
	// MarkerDir is where the volume of the project's markers is mounted.
	// stackctl writes into it through the engine's API; its directory
	// belongs to root and is not writable for the service's own user.
	MarkerDir = "/.stackctl/open"
	// Command is the hidden stackctl command a gated container runs:
	// `stackctl hold MARKER -- COMMAND...`.
	Command = "hold"
)

// Marker is the path of the marker that opens the gate of token.
func Marker(token string) string { return path.Join(MarkerDir, token) }

// Entrypoint is what a gated container runs before its command (which
// stays the container's Cmd, as the service defines it).
func Entrypoint(token string) []string {
	return []string{Binary, Command, Marker(token), "--"}
}

// ErrNotFound says the command to run is not in the container.
var ErrNotFound = errors.New("executable file not found")

// ErrNotMainThread says Exec was called from a thread other than the
// process's first. An execve from another thread makes the kernel end the
// first thread and give its thread-group ID to the caller; in between, the
// process's /proc entry is a zombie's, and an exec into the container
// landing then fails ("cannot exec in a stopped container"). The caller
// keeps main on the first thread: runtime.LockOSThread in an init function.
var ErrNotMainThread = errors.New("not on the process's main thread (lock it with runtime.LockOSThread in an init function)")

// Hold waits, checking every interval, until marker exists, then runs argv
// in place of this process; from the main thread, as Exec must. It returns
// only when it cannot: ctx ended, the marker could not be checked, or argv
// cannot be run.
func Hold(ctx context.Context, marker string, argv []string, interval time.Duration) error {
	if len(argv) == 0 {
		return errors.New("hold: no command to run")
	}
	err := wait.Until(ctx, interval, wait.Func(func(context.Context) (bool, error) {
		_, err := os.Stat(marker)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, fs.ErrNotExist):
			return false, nil
		}
		return false, fmt.Errorf("hold: check %s: %w", marker, err)
	}))
	if err != nil {
		return err
	}
	return Exec(argv)
}

// Exec replaces this process with argv, found as the engine would: in the
// PATH of the container's environment unless it names a path. It must run
// on the process's main thread (ErrNotMainThread).
func Exec(argv []string) error {
	program, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("hold: run %q: %w", argv[0], ErrNotFound)
	}
	if syscall.Gettid() != syscall.Getpid() {
		return fmt.Errorf("hold: run %s: %w", program, ErrNotMainThread)
	}
	if err := syscall.Exec(program, argv, os.Environ()); err != nil {
		return fmt.Errorf("hold: run %s: %w", program, err)
	}
	return nil
}
