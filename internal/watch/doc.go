// Package watch is what `stackctl watch` knows of develop.watch with no
// engine: the rules a service's triggers make, which rule a changed path
// matches and where it lands in the container, the file events of the
// watched trees (fsnotify, recursive), their debouncing into batches, and
// the tar archive a sync sends. The orchestrator carries the batches out.
package watch
