// Command stackctl runs the stack a compose file describes through the
// Docker Engine API.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// exitInterrupted is the shell's code for a command ended by Ctrl-C.
const exitInterrupted = 130

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go cancelOnSignal(notifyInterrupts(), cancel, func() {
		fmt.Fprintln(os.Stderr, "interrupted twice: exiting at once; run the command again to converge what was left")
		os.Exit(exitInterrupted)
	})
	err := newRootCmd(defaultIO()).ExecuteContext(ctx)
	if err == nil {
		return
	}
	if exit := (*exitCodeError)(nil); errors.As(err, &exit) {
		os.Exit(exit.code)
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "interrupted: nothing was left half-made; run the command again to finish converging")
		os.Exit(exitInterrupted)
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}

// notifyInterrupts delivers Ctrl-C and SIGTERM, from now on, to a channel
// instead of ending the program.
func notifyInterrupts() <-chan os.Signal {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	return signals
}

// cancelOnSignal cancels the command at the first Ctrl-C (or SIGTERM), so
// it stops cleanly, and calls force at the second, as Compose does: a user
// who presses it again does not want to wait for the clean stop.
func cancelOnSignal(signals <-chan os.Signal, cancel func(), force func()) {
	<-signals
	cancel()
	<-signals
	force()
}
