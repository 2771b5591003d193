//go:build !linux

package enginetest

import (
	"errors"
	"net"
)

// listenInNetns needs Linux's network namespaces; so does Swarm, which uses
// it.
func listenInNetns(pid int, addr string) (net.Listener, error) {
	return nil, errors.New("listening in a container's network namespace needs Linux")
}
