// Package incontainer checks that a stackctl binary can run inside a
// container of an engine, alone: the crash helper's image is just the
// binary, and a start gate runs it from a volume in whatever image the
// service has, a scratch one included.
package incontainer

import (
	"context"
	"debug/elf"
	"fmt"
	"runtime"
)

// Platformer tells the engine's os/architecture, as linux/amd64.
type Platformer interface {
	Platform(ctx context.Context) (string, error)
}

// Check says why bin cannot run alone in a container of eng: it needs a
// dynamic loader, or it is built for another platform. nil when it can.
func Check(ctx context.Context, eng Platformer, bin string) error {
	if err := runsAlone(bin); err != nil {
		return err
	}
	platform, err := eng.Platform(ctx)
	if err != nil {
		return err
	}
	if want := "linux/" + runtime.GOARCH; platform != want {
		return fmt.Errorf("the engine runs %s and this stackctl is built for %s; run a stackctl built for %s", platform, want, platform)
	}
	return nil
}

// runsAlone checks that the binary needs no dynamic loader.
func runsAlone(bin string) error {
	f, err := elf.Open(bin)
	if err != nil {
		return fmt.Errorf("%s is not a Linux program: %w", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is linked dynamically, and a container cannot run it alone; build stackctl with CGO_ENABLED=0 (make build does)", bin)
		}
	}
	return nil
}
