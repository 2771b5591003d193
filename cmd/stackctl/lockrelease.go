package main

import "sync"

// lockRelease releases a session's lock once, either in the background
// while the command still reads (start) or at the latest when the session
// closes (wait).
type lockRelease struct {
	once   sync.Once
	done   chan struct{}
	unlock func()
}

func newLockRelease(unlock func()) *lockRelease {
	return &lockRelease{done: make(chan struct{}), unlock: unlock}
}

// start begins the release unless it has begun.
func (l *lockRelease) start() {
	l.once.Do(func() {
		go func() {
			defer close(l.done)
			l.unlock()
		}()
	})
}

// wait releases the lock, if start has not, and returns once it is.
func (l *lockRelease) wait() {
	l.start()
	<-l.done
}
