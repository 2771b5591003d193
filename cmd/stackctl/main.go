// Command stackctl runs the stack a compose file describes through the
// Docker Engine API.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stackctl/stackctl/internal/progress"
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
	root := newRootCmd(defaultIO())
	err := root.ExecuteContext(ctx)
	if err == nil {
		return
	}
	if exit := (*exitCodeError)(nil); errors.As(err, &exit) {
		os.Exit(exit.code)
	}
	jsonProgress := root.PersistentFlags().Lookup("progress").Value.String() == string(progress.JSON)
	code := 1
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		err = errors.New("interrupted: nothing was left half-made; run the command again to finish converging")
		code = exitInterrupted
	}
	printError(os.Stderr, err, jsonProgress)
	os.Exit(code)
}

// printError is a command's last word on stderr: with --progress json, one
// more JSON object, so the stream stays one object per line to the end.
func printError(w io.Writer, err error, jsonProgress bool) {
	if !jsonProgress {
		fmt.Fprintln(w, "error:", err)
		return
	}
	line, _ := json.Marshal(progress.Event{Time: time.Now(), Resource: "stackctl", Status: "failed", Detail: err.Error(), Level: "error"})
	fmt.Fprintf(w, "%s\n", line)
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
