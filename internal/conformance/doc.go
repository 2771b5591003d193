// Package conformance holds stackctl to Docker Compose on Compose's own
// end-to-end fixtures (testdata/fixtures, vendored from docker/compose).
//
// Two checks use them. A unit test loads and plans every fixture and
// holds an explicit list of those that do not load yet, each with the
// error it gets. The differential run (`make conformance`, cmd/conformance)
// brings each fixture it can run up with `docker compose up -d --wait` and
// with `stackctl up` under the same project name, snapshots what the engine
// holds after each (Snapshot: the images the fixture's builds made
// included), and compares the two field by field
// (Compare); a difference is a failure unless allowlist.go lists it with
// its reason.
package conformance
