// Command maxrss runs a command and reports the peak memory of its process
// tree: the largest resident set of the command or of any descendant it
// waited for, from the kernel's rusage of the child (Maxrss, KiB on Linux).
// stackbench runs the tools under test through it.
//
// Why a separate, small program: a child's Maxrss also counts the memory
// of the process that started it, up to the exec (Go starts children with
// vfork, so the child shares its parent's memory until then, and the kernel
// keeps that high-water mark across the exec). Measured from stackbench
// itself, every tool would seem to use at least as much as stackbench.
// This program stays small, and says how much it used in its report, so a
// reading at or below that is known to be only an upper bound.
//
//	maxrss CMD [ARG...]
//
// It runs CMD with its own stdin, stdout and stderr, passes SIGINT and
// SIGTERM on to it, and exits with its exit code (128+N when signal N ended
// it). When file descriptor 3 is open it writes there, after CMD ended:
//
//	maxrss_kib N floor_kib M
//
// N is CMD's Maxrss, M this program's own peak before it started CMD.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: maxrss CMD [ARG...]")
		os.Exit(2)
	}
	// The report goes to fd 3, which CMD must not inherit.
	report := os.NewFile(3, "report")
	if report != nil {
		syscall.CloseOnExec(3)
	}
	floor := ownPeakKiB()

	// Pdeathsig is bound to the thread that started the child: keep it.
	runtime.LockOSThread()
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Should this program be killed, so is CMD.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "maxrss:", err)
		os.Exit(127)
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	state := cmd.ProcessState
	if ru, ok := state.SysUsage().(*syscall.Rusage); ok && report != nil {
		fmt.Fprintf(report, "maxrss_kib %d floor_kib %d\n", ru.Maxrss, floor)
		report.Close()
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(state.ExitCode())
}

// ownPeakKiB is this process's peak resident set so far (VmHWM), 0 when
// unknown.
func ownPeakKiB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}
