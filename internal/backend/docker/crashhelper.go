package docker

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/stackctl/stackctl/internal/engine"
)

// The crash helper is a container in the host's PID namespace that sends
// SIGKILL to a container's main process, for an engine whose processes are
// not this machine's. It runs stackctl itself (`stackctl signal-pid`), in
// an image of just that binary, so it works whatever the stack's images
// contain — a scratch image has no kill, a shell or anything else.
const (
	helperRepo       = "stackctl/crash-helper"
	labelHelper      = "io.stackctl.crash-helper"
	helperBinaryPath = "/stackctl"
	// SignalPidCommand is the hidden command the helper runs.
	SignalPidCommand = "signal-pid"
)

// WithCrashHelper names the stackctl binary the crash helper runs; the
// default is the running program.
func WithCrashHelper(path string) Option {
	return func(b *Backend) { b.helperBinary = path }
}

// ensureCrashHelper makes the helper image of the binary on the engine,
// tagged with the binary's digest, and returns its reference.
func (b *Backend) ensureCrashHelper(ctx context.Context) (string, error) {
	bin := b.helperBinary
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return "", fmt.Errorf("crash helper: find the stackctl binary: %w", err)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("crash helper: read %s: %w", bin, err)
	}
	if err := runsAlone(bin); err != nil {
		return "", err
	}
	platform, err := b.engine.Platform(ctx)
	if err != nil {
		return "", err
	}
	if want := "linux/" + runtime.GOARCH; platform != want {
		return "", fmt.Errorf("crash helper: the engine runs %s and this stackctl is built for %s; run a stackctl built for %s", platform, want, platform)
	}
	sum := sha256.Sum256(data)
	ref := helperRepo + ":" + hex.EncodeToString(sum[:])[:16]
	if _, err := b.engine.ImageInspect(ctx, ref); !errors.Is(err, engine.ErrNotFound) {
		return ref, err
	}
	b.report("image "+ref, "creating", "the crash helper, from "+bin)
	files := []engine.ImageFile{{Path: helperBinaryPath[1:], Mode: 0o755, Data: data}}
	if err := b.engine.ImageCreate(ctx, ref, files, map[string]string{labelHelper: "true"}, []string{helperBinaryPath, SignalPidCommand}); err != nil {
		return "", err
	}
	return ref, nil
}

// runsAlone checks that the binary needs no dynamic loader: the helper
// image holds nothing else.
func runsAlone(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("crash helper: %s is not a Linux program: %w", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("crash helper: %s is linked dynamically, and a container of just it cannot run it; build stackctl with CGO_ENABLED=0 (make build does)", bin)
		}
	}
	return nil
}
