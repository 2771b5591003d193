package images_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackctl/stackctl/internal/backend/images"
	"github.com/stackctl/stackctl/internal/engine"
	"github.com/stackctl/stackctl/internal/enginetest"
	"github.com/stackctl/stackctl/internal/stack"
)

// noSpaceBase is an image of the host's with a shell and dd (`make images`
// provides it), to load into the engine whose disk the test fills.
const noSpaceBase = "redis:7"

// A build that writes more than the engine's disk holds fails saying which
// service, which engine, that its disk is full and what to do.
func TestBuildOnAFullDiskSaysTheEngineDiskIsFull(t *testing.T) {
	// Room for the base image (450 MB unpacked, and as much again while it
	// loads), not for the 2 GiB the build writes.
	inner := enginetest.Dind(t, enginetest.DindDataSize("1200m"))
	ctx := enginetest.Context(t, 10*time.Minute)
	if err := inner.LoadImages(ctx, noSpaceBase); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile": "FROM " + noSpaceBase + "\nRUN dd if=/dev/zero of=/filler bs=1M count=2048\n",
	})
	st := &stack.Stack{Project: enginetest.ProjectName(t), Services: []stack.Service{{
		Name: "filler", Image: "filler", Build: &stack.Build{Context: dir, Dockerfile: "Dockerfile"},
	}}}
	err := images.New(inner.Client, nil).Build(ctx, st, nil)
	if err == nil {
		t.Fatal("the build succeeded on a full disk")
	}
	t.Logf("the error:\n%v", err)
	if !errors.Is(err, engine.ErrNoSpace) {
		t.Errorf("the error is not engine.ErrNoSpace")
	}
	msg := err.Error()
	for _, want := range []string{
		"service filler",
		"the disk of the engine at " + inner.Host + " is full",
		"no space left on device",
		"remove unused images",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q", want)
		}
	}
}
