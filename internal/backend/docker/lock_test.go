package docker

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stackctl/stackctl/internal/engine"
)

// imageLookups counts the images looked up on a fake engine.
type imageLookups struct {
	*fakeEngine
	n atomic.Int32
}

func (e *imageLookups) ImageInspect(ctx context.Context, ref string) (engine.Image, error) {
	e.n.Add(1)
	return e.fakeEngine.ImageInspect(ctx, ref)
}

// The lock is made from the empty image, which Lock makes on an engine
// that lacks it; once the engine has it, taking the lock looks up no
// image.
func TestLockMakesTheEmptyImageOnlyWhenMissing(t *testing.T) {
	f := newFakeEngine()
	eng := &imageLookups{fakeEngine: f}
	b := New(eng, nil)
	ctx := testContext(t)

	unlock, err := b.Lock(ctx, "p", 0)
	if err != nil {
		t.Fatalf("Lock on an engine without the empty image: %v", err)
	}
	if _, ok := f.made[emptyImage]; !ok {
		t.Fatal("Lock did not make the empty image")
	}
	if !f.has("create p_lock") {
		t.Fatal("no lock container was created")
	}
	unlock()

	eng.n.Store(0)
	unlock, err = b.Lock(ctx, "p", 0)
	if err != nil {
		t.Fatalf("Lock again: %v", err)
	}
	defer unlock()
	if n := eng.n.Load(); n != 0 {
		t.Errorf("Lock looked up %d images with the empty image present, want none", n)
	}
}
