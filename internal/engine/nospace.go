package engine

import (
	"fmt"
	"strings"
)

// noSpaceAdvice is what to do when the engine's disk is full.
const noSpaceAdvice = "free space on it, e.g. remove unused images (`docker image prune`) or build cache (`docker builder prune`; " +
	"`docker system df` shows what takes the space), and try again"

// saysNoSpace reports whether a message of the engine or of a build step is
// the kernel's ENOSPC: the engine (or a step writing to its layer, which
// lives on the engine's disk) ran out of space.
func saysNoSpace(message string) bool {
	return strings.Contains(strings.ToLower(message), "no space left on device")
}

// noSpace wraps err, whose messages say the disk of the engine at host is
// full, with ErrNoSpace and what to do about it.
func noSpace(host string, err error) error {
	return fmt.Errorf("the disk of the engine at %s is full (%w): %s: %w", host, ErrNoSpace, noSpaceAdvice, err)
}
