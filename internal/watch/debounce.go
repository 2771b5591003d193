package watch

import (
	"context"
	"slices"
	"time"
)

// QuietPeriod is how long the tree must stay still before a batch goes
// out: an editor's save (a write, or a temporary file renamed over the
// old), a git checkout or a formatter touch many files in a burst whose
// events come within milliseconds of each other, and one batch carries
// the burst. Compose waits 500ms, which every change pays; a burst split
// in two costs at worst a second batch, one more sync or build step that
// the build cache mostly answers.
const QuietPeriod = 100 * time.Millisecond

// Debounce gathers the paths from in into batches: each path once, sorted,
// sent once no path has come for quiet. The last batch goes out when in
// closes; the returned channel closes then, or when ctx ends.
func Debounce(ctx context.Context, in <-chan string, quiet time.Duration) <-chan []string {
	out := make(chan []string)
	go func() {
		defer close(out)
		pending := map[string]bool{}
		timer := time.NewTimer(quiet)
		timer.Stop()
		defer timer.Stop()
		flush := func() bool {
			if len(pending) == 0 {
				return true
			}
			batch := make([]string, 0, len(pending))
			for p := range pending {
				batch = append(batch, p)
			}
			slices.Sort(batch)
			pending = map[string]bool{}
			return send(ctx, out, batch)
		}
		for {
			select {
			case <-ctx.Done():
				return
			case p, ok := <-in:
				if !ok {
					flush()
					return
				}
				pending[p] = true
				timer.Reset(quiet)
			case <-timer.C:
				if !flush() {
					return
				}
			}
		}
	}()
	return out
}

// send sends v on out unless ctx ends first, and says whether it did: a
// reader that is gone never holds up the watch's goroutines.
func send[T any](ctx context.Context, out chan<- T, v T) bool {
	select {
	case out <- v:
		return true
	case <-ctx.Done():
		return false
	}
}
