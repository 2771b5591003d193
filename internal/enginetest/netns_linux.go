package enginetest

import (
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// listenInNetns listens on the TCP address addr in the network namespace of
// process pid (a container's, seen from the host), from this process.
//
// A socket belongs to the namespace of the thread that made it, for good,
// whatever that thread does later. So one thread, locked to a goroutine
// that never unlocks it, enters the namespace and makes the listener; the
// Go runtime ends that thread with its goroutine, and no other goroutine
// ever runs in the container's namespace. Needs CAP_SYS_ADMIN (root).
func listenInNetns(pid int, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		l, err := func() (net.Listener, error) {
			ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
			if err != nil {
				return nil, err
			}
			defer ns.Close()
			if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
				return nil, fmt.Errorf("setns %s: %w", ns.Name(), err)
			}
			return net.Listen("tcp", addr)
		}()
		done <- result{l, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, fmt.Errorf("listen on %s in the network namespace of process %d: %w", addr, pid, r.err)
	}
	return r.l, nil
}
