package docker

import (
	"sync"
	"testing"
	"time"
)

// The empty image is made on an engine that lacks it, and only there: once
// the engine has it, it is not made again.
func TestEmptyImageIsMadeOnlyWhenMissing(t *testing.T) {
	f := newFakeEngine()
	b := New(f, nil)
	ctx := testContext(t)

	if err := b.ensureEmptyImage(ctx); err != nil {
		t.Fatalf("on an engine without the empty image: %v", err)
	}
	if _, ok := f.made[emptyImage]; !ok {
		t.Fatal("the empty image was not made")
	}
	delete(f.made, emptyImage)
	if err := b.ensureEmptyImage(ctx); err != nil {
		t.Fatalf("again: %v", err)
	}
	if _, ok := f.made[emptyImage]; ok {
		t.Error("the empty image was made again on an engine that has it")
	}
}

// The containers of one run ask for the empty image side by side: it is
// made once, whoever asks first.
// Real time, not a synctest bubble: the callers wait on a mutex, which a
// bubble's clock does not count as waiting.
func TestEmptyImageIsMadeOnceWhenAskedForSideBySide(t *testing.T) {
	f := newFakeEngine()
	f.imageCreateTakes = 20 * time.Millisecond
	b := New(f, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := b.ensureEmptyImage(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.imageCreates[emptyImage]; n != 1 {
		t.Errorf("the empty image was made %d times, want once", n)
	}
}
