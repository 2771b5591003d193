package watch

import (
	"context"
	"reflect"
	"testing"
	"time"
)

func TestDebounceSendsABurstAsOneSortedBatch(t *testing.T) {
	in := make(chan string)
	out := Debounce(context.Background(), in, time.Hour)
	for _, p := range []string{"/b", "/a", "/b", "/c"} {
		in <- p
	}
	close(in)
	if got := <-out; !reflect.DeepEqual(got, []string{"/a", "/b", "/c"}) {
		t.Errorf("batch = %v", got)
	}
	if _, open := <-out; open {
		t.Errorf("the batches go on after the input closed")
	}
}

func TestDebounceSendsOnceTheTreeIsQuiet(t *testing.T) {
	in := make(chan string)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := Debounce(ctx, in, 10*time.Millisecond)
	in <- "/a"
	in <- "/b"
	if got := <-out; !reflect.DeepEqual(got, []string{"/a", "/b"}) {
		t.Errorf("first batch = %v", got)
	}
	in <- "/a"
	if got := <-out; !reflect.DeepEqual(got, []string{"/a"}) {
		t.Errorf("second batch = %v: a path sent before is a change again", got)
	}
	cancel()
	if _, open := <-out; open {
		t.Errorf("the batches go on after the context ended")
	}
}
