package crash

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"

	"github.com/stackctl/stackctl/internal/backend/incontainer"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/stack"
	"github.com/stackctl/stackctl/internal/wait"
)

// The helper is a container in the engine host's PID namespace that sends
// SIGKILL to a container's main process, for an engine whose processes are
// not this machine's. It runs stackctl itself (`stackctl signal-pid`), in
// an image of just that binary, so it works whatever the stack's images
// contain — a scratch image has no kill, a shell or anything else.
const (
	// HelperRepo is the repository of the helper's images, tagged with
	// the binary's digest.
	HelperRepo = "stackctl/crash-helper"
	// HelperBinaryPath is where the binary is in the helper's image.
	HelperBinaryPath = "/stackctl"
	// SignalPidCommand is the hidden command the helper runs.
	SignalPidCommand = "signal-pid"
	// HelperService is the service label of helper containers.
	HelperService = "crash-helper"
	labelHelper   = "io.stackctl.crash-helper"
)

// killFromHelper runs the helper on eng against c's host PID, waits for it
// to finish and removes it.
func (k *Killer) killFromHelper(ctx context.Context, eng Engine, c engine.Container, labels map[string]string) error {
	image, err := k.ensureHelper(ctx, eng)
	if err != nil {
		return err
	}
	labels = maps.Clone(labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[stack.LabelService] = HelperService
	name := c.Name + "-crasher"
	id, err := eng.ContainerCreate(ctx, engine.ContainerSpec{
		Name: name, Image: image, User: "0:0", PidMode: "host", Labels: labels,
		Cmd: []string{strconv.Itoa(c.Pid)},
	})
	if err != nil {
		return err
	}
	defer func() { _ = eng.ContainerRemove(context.WithoutCancel(ctx), id) }()
	if err := eng.ContainerStart(ctx, id); err != nil {
		return err
	}
	var done engine.Container
	err = wait.Until(ctx, k.poll, wait.Func(func(ctx context.Context) (bool, error) {
		var err error
		done, err = eng.ContainerInspect(ctx, id)
		return err == nil && !done.Running(), err
	}))
	if err != nil {
		return err
	}
	if done.ExitCode != 0 {
		var logs strings.Builder
		_ = eng.ContainerLogs(context.WithoutCancel(ctx), id, engine.LogsOptions{Tail: 5}, &logs, &logs)
		return fmt.Errorf("helper %s exited %d: %s", name, done.ExitCode, strings.TrimSpace(logs.String()))
	}
	return nil
}

// ensureHelper makes the helper image of the binary on eng, tagged with the
// binary's digest, and returns its reference.
func (k *Killer) ensureHelper(ctx context.Context, eng Engine) (string, error) {
	bin := k.binary
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
	if err := incontainer.Check(ctx, eng, bin); err != nil {
		return "", fmt.Errorf("crash helper: %w", err)
	}
	sum := sha256.Sum256(data)
	ref := HelperRepo + ":" + hex.EncodeToString(sum[:])[:16]
	if _, err := eng.ImageInspect(ctx, ref); !errors.Is(err, engine.ErrNotFound) {
		return ref, err
	}
	k.report("image "+ref, "creating", "the crash helper, from "+bin)
	files := []engine.ImageFile{{Path: HelperBinaryPath[1:], Mode: 0o755, Data: data}}
	if err := eng.ImageCreate(ctx, ref, files, map[string]string{labelHelper: "true"}, []string{HelperBinaryPath, SignalPidCommand}); err != nil {
		return "", err
	}
	return ref, nil
}
