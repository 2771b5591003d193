package docker

import (
	"testing"
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
