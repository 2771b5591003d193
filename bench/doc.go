// Package bench times stackctl and Docker Compose doing the same work on the
// same engine. On the built-in stack: bring it up cold and from nothing,
// converge it when nothing changed, recover from a database crash, redeploy
// the web tier under load, and take it down, next to the physical floor of
// how fast PostgreSQL itself starts. On a compose file no part of stackctl
// knows (bench/foreign), gated by healthchecks every 10 s: bring it up from
// nothing and take it down. And, for stackctl alone, how long loading and
// planning the built-in file takes. Both tools run the very same file of
// each stack, so there is nothing to keep in step.
package bench
