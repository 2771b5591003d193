package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/moby/term"
	"github.com/stackctl/stackctl/internal/engine"
)

// containerStdio connects a command in a container to stackctl's own
// streams, with a terminal when one is wanted and stdin is one.
func (s *streams) containerStdio(wantTTY bool) engine.Stdio {
	stdio := engine.Stdio{In: s.In, Out: s.Out, Err: s.Err}
	in, ok := s.In.(*os.File)
	if !wantTTY || !s.InIsTerminal || !ok {
		return stdio
	}
	stdio.TTY = true
	t := &terminal{in: in.Fd(), size: in.Fd()}
	if out, ok := s.Out.(*os.File); ok && s.OutIsTerminal {
		t.size = out.Fd()
	}
	stdio.Terminal = t
	return stdio
}

// terminal is stackctl's terminal: stdin's for raw mode, stdout's (or
// stdin's) for its size.
type terminal struct {
	in, size uintptr
}

func (t *terminal) Raw() (func(), error) {
	state, err := term.MakeRaw(t.in)
	if err != nil {
		return nil, err
	}
	return func() { _ = term.RestoreTerminal(t.in, state) }, nil
}

func (t *terminal) Size() (height, width uint) {
	ws, err := term.GetWinsize(t.size)
	if err != nil {
		return 0, 0
	}
	return uint(ws.Height), uint(ws.Width)
}

func (t *terminal) Resized(ctx context.Context) <-chan struct{} {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	resized := make(chan struct{}, 1)
	go func() {
		defer signal.Stop(winch)
		for {
			select {
			case <-winch:
				select {
				case resized <- struct{}{}:
				default: // one pending resize reads the latest size anyway
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return resized
}

// resolveEnv reads -e values: KEY=VALUE as given, a bare KEY from
// stackctl's own environment (left out when unset there), as docker does.
func resolveEnv(values []string) ([]string, error) {
	out := make([]string, 0, len(values))
	for _, v := range values {
		key, _, hasValue := strings.Cut(v, "=")
		if key == "" {
			return nil, fmt.Errorf("-e %q: want KEY=VALUE or KEY", v)
		}
		if hasValue {
			out = append(out, v)
			continue
		}
		if value, ok := os.LookupEnv(key); ok {
			out = append(out, key+"="+value)
		}
	}
	return out, nil
}
