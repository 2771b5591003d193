// Package bench times stackctl and Docker Compose doing the same work on the
// same engine. On the built-in stack: bring it up cold and from nothing,
// converge it when nothing changed, recover from a database crash, redeploy
// the web tier under load, and take it down, next to the physical floor of
// how fast PostgreSQL itself starts. On a compose file no part of stackctl
// knows (bench/foreign), gated by healthchecks every 10 s: bring it up from
// nothing and take it down. On generated stacks of 1 to 40 services gated
// by healthchecks (growth.go): what a cold and a no-op up cost as the stack
// grows, and each tool's peak memory. And, for stackctl alone, how long
// loading the built-in file takes. Both tools run the very same file of
// each stack, so there is nothing to keep in step.
//
// The benchmark drives the stackctl binary from outside, as a user does,
// and reads the engine through the Docker SDK: what stackctl makes of a
// compose file it learns from `stackctl config --format json`, where
// stackctl's time goes from `--progress json`.
//
// The results are a table, a JSON file, and charts (charts.go); two JSON
// files are compared by Compare.
package bench
