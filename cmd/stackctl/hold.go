package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/stackctl/stackctl/internal/startgate"
)

// A held container's first process replaces itself with the service's
// command from the goroutine main runs on, which must be on the process's
// main thread for that (startgate.ErrNotMainThread); only an init function
// can keep it there.
func init() {
	if len(os.Args) > 1 && os.Args[1] == startgate.Command {
		runtime.LockOSThread()
	}
}

// holdInterval is how often a held container looks for its marker: the
// exec waits at most this long after stackctl opens the gate.
const holdInterval = 5 * time.Millisecond

// newHoldCmd is what a gated container runs first (internal/startgate):
// wait for the marker, then become the service's command. It is not for
// users, and hidden. A stop while it holds ends it as the signal would end
// the service: with 128 plus the signal's number.
func newHoldCmd() *cobra.Command {
	return &cobra.Command{
		Use:                startgate.Command + " MARKER -- COMMAND...",
		Short:              "Wait for a marker, then run a command in this process (a container's start gate)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 3 || args[1] != "--" {
				return fmt.Errorf("%s: want MARKER -- COMMAND..., got %q", startgate.Command, args)
			}
			signals := make(chan os.Signal, 1)
			// The signals a service may name as its stop signal.
			signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP,
				syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPWR, syscall.SIGWINCH)
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			go func() {
				sig := <-signals
				cancel(&exitCodeError{code: 128 + int(sig.(syscall.Signal))})
			}()
			err := startgate.Hold(ctx, args[0], args[2:], holdInterval)
			if cause := context.Cause(ctx); cause != nil && errors.Is(err, context.Canceled) {
				return cause
			}
			if errors.Is(err, startgate.ErrNotFound) {
				// The engine's code for a command it cannot find.
				fmt.Fprintln(os.Stderr, err)
				return &exitCodeError{code: 127}
			}
			return err
		},
	}
}
