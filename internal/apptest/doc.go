// Package apptest holds the black-box integration tests and benchmarks of
// the web app (app/), run as its real image against real PostgreSQL and
// Redis on the Docker engine.
//
// The tests build the image from the repository's app/, bring the built-in
// stack up under a test project with the web port published on 127.0.0.1
// only, and then drive the app from outside: over HTTP, through exec in its
// containers, and by stopping, killing and starting its dependencies
// through the engine. They prove that visits are counted and persisted;
// that the app rides through Redis going away (or crashing and coming back
// from an old snapshot) and PostgreSQL restarting, without being restarted
// itself and without losing a visit it acknowledged; that a visit answered
// 503 was not recorded; that `app migrate` is idempotent; that
// `app healthcheck` works inside the scratch image; that SIGTERM drains the
// requests in flight; and that the image is small and runs as non-root.
//
// They run only when asked to, with STACKCTL_INTEGRATION=1 (as `make test`
// sets), and then fail, never skip, without a Docker engine. Without it they
// skip, saying so, even when an engine is reachable: a plain `go test ./...`
// does not build images and start stacks on whatever engine it finds. The
// benchmarks (BenchmarkGetRoot, BenchmarkGetRootParallel) are opted in the
// same way and run only with -bench:
//
//	STACKCTL_INTEGRATION=1 go test -run '^$' -bench . -benchtime 2000x ./internal/apptest/
package apptest
