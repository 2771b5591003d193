package backend

// FileSyncer is implemented by a backend that may be unable to copy files
// into its instances. develop.watch's sync, sync+restart and sync+exec
// triggers need that copy; a backend that cannot make it says why, so that
// watch refuses them before it brings anything up rather than fail at the
// first change.
type FileSyncer interface {
	// SyncRefusal is nil when files can be synced into the instances, and
	// else an error that says why not and what to use instead.
	SyncRefusal() error
}
