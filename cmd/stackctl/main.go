// Command stackctl brings up, inspects and takes down the three-tier stack
// through the Docker Engine API.
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
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
