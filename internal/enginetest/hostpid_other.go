//go:build !linux

package enginetest

import "errors"

// HostPID needs Linux's /proc.
func HostPID(pid int, id string) (int, error) {
	return 0, errors.New("finding a container's process on this machine needs Linux's /proc")
}
