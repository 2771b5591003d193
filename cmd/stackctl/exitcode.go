package main

import "fmt"

// exitCodeError ends stackctl with the exit code of a command it ran in a
// container; the command has said what it had to say, so main prints
// nothing more.
type exitCodeError struct {
	code int
}

func (e *exitCodeError) Error() string {
	return fmt.Sprintf("the command exited with code %d", e.code)
}

// exitCode is the error that passes a command's exit code on (nil for 0).
// A code the shell cannot carry (below 0 or above 255) becomes 1.
func exitCode(code int) error {
	switch {
	case code == 0:
		return nil
	case code < 0 || code > 255:
		return &exitCodeError{code: 1}
	}
	return &exitCodeError{code: code}
}
